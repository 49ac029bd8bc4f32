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
}
