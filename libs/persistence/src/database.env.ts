import { IsInt, IsNotEmpty, IsOptional, Matches, Max, Min } from 'class-validator';
import { EmptyAsUndefined, IsServiceUrl, ToNumber } from '@app/config';

/** Where a service keeps its state; validated at start-up like every other variable. */
export class DatabaseEnv {
  /**
   * PostgreSQL, e.g. postgres://user:password@host:5432/orders. Unset: an embedded PGlite in
   * DATA_DIR (one process only; replicas need PostgreSQL). Both services may share one database:
   * each keeps its tables in its own schema. A socket directory goes in `?host=` (the host may then
   * be left out).
   */
  @EmptyAsUndefined()
  @IsOptional()
  @IsServiceUrl({ protocols: ['postgres:', 'postgresql:'], hostOptional: true })
  DATABASE_URL?: string;

  /** The schema of the service's tables (default: the service name). */
  @EmptyAsUndefined()
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'must be a lower-case identifier (letters, digits, underscores; 63 at most)',
  })
  DATABASE_SCHEMA?: string;

  /** Folder of the embedded database (a sub-folder per service), when DATABASE_URL is unset. */
  @IsNotEmpty()
  DATA_DIR = 'data';

  /** Connections each process keeps to PostgreSQL (the embedded database has one). */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 10;

  /** Connecting, and each statement, fail after this long: a stalled database counts as away. */
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_TIMEOUT_MS = 5_000;

  /**
   * Deliveries of transactional handlers that may share one transaction under load (group commit;
   * 1: a transaction each). Groups form only from deliveries waiting for a free transaction.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(1_000)
  GROUP_COMMIT_MAX_UNITS = 32;

  /**
   * Grouped transactions open at once. Few, so that deliveries arriving meanwhile form groups: 2 gave
   * the most events/s on PostgreSQL (decision record 0028); more mean smaller groups, one means
   * waiting on each commit's round trip.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(100)
  GROUP_COMMIT_CONCURRENCY = 2;
}
