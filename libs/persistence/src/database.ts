import { PGlite } from '@electric-sql/pglite';
import type { LoggerService } from '@nestjs/common';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { redactUrl } from '@app/config';
import { lockDataDirectory } from './data-directory-lock';
import { DatabaseUnavailableError, isConnectionFailure } from './database.errors';
import { GroupCommit, type GroupCommitSettings } from './group-commit';
import { PGliteDialect } from './pglite.dialect';
import { TransactionContext } from './transaction-context';

/** Where a service keeps its data, from its validated configuration. */
export interface DatabaseSettings {
  /** A PostgreSQL URL; without one, an embedded PGlite in `dataDirectory` (one process only). */
  url?: string;
  /** The PostgreSQL schema the service's tables live in; one per service, so two never mix. */
  schema: string;
  /** Folder of the embedded database, when there is no `url`. */
  dataDirectory: string;
  poolSize: number;
  /** Connecting and each statement fail after this long: a stalled database is an unavailable one. */
  timeoutMs: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** How `groupCommit` groups transactions. */
  groupCommit: GroupCommitSettings;
}

/**
 * A service's database: PostgreSQL through a `pg` pool, or an embedded PGlite in a local folder,
 * behind one Kysely instance whose queries run in the service's own schema. `transaction()` makes
 * the transaction current for the code it runs (see TransactionContext), and translates "the
 * database is away" into DatabaseUnavailableError.
 */
export class Database {
  private readonly beforeCloseHooks: (() => Promise<void>)[] = [];
  /** Transactions that may share a commit with others under load (decision record 0028). */
  readonly groupCommit: GroupCommit;

  private constructor(
    private readonly kysely: Kysely<unknown>,
    readonly settings: DatabaseSettings,
    private readonly backend: { pool: Pool } | { pglite: PGlite; unlock: () => void },
    private readonly logger: LoggerService,
  ) {
    this.groupCommit = new GroupCommit(this, settings.groupCommit);
  }

  /** Opens the database (creating the service's schema) and says which one it is. */
  static async open(settings: DatabaseSettings, logger: LoggerService): Promise<Database> {
    const schema = quoteIdentifier(settings.schema);
    if (settings.url) {
      const pool = new Pool({
        connectionString: settings.url,
        max: settings.poolSize,
        connectionTimeoutMillis: settings.timeoutMs,
        query_timeout: settings.timeoutMs,
        statement_timeout: settings.timeoutMs,
        application_name: settings.applicationName,
        // Unqualified table names are the service's own.
        options: `-c search_path=${schema}`,
      });
      // A connection dropping must not crash the process, whether the client is idle (the pool's
      // 'error') or lent to a transaction (the client's own 'error', which pg emits with no listener
      // when the socket ends between queries); the query in flight, or the next, reports it.
      pool.on('error', (error) => {
        logger.warn?.(`Database connection lost: ${error.message}`);
      });
      pool.on('connect', (client) => {
        client.on('error', (error) => {
          logger.warn?.(`Database connection lost: ${error.message}`);
        });
      });
      const database = new Database(
        new Kysely({ dialect: new PostgresDialect({ pool }) }),
        settings,
        { pool },
        logger,
      );
      await database.run((db) =>
        sql`create schema if not exists ${sql.raw(schema)}`.execute(db).catch((error: unknown) => {
          // Not atomic in PostgreSQL: a replica starting at the same moment can create the schema
          // between this one's check and its insert (unique_violation on pg_namespace). It exists
          // then, which is all this asks.
          if (error instanceof Error && ['23505', '42P06'].includes(codeOf(error))) {
            return;
          }
          throw error;
        }),
      );
      logger.log?.(`Database: PostgreSQL at ${redactUrl(settings.url)}, schema ${settings.schema}`);
      return database;
    }
    const directory = resolve(join(settings.dataDirectory, settings.schema));
    const unlock = lockDataDirectory(directory);
    try {
      const pglite = await PGlite.create(directory);
      await pglite.exec(`create schema if not exists ${schema}; set search_path to ${schema}`);
      logger.log?.(
        `Database: embedded PGlite in ${directory} (one process only; set DATABASE_URL to a ` +
          'PostgreSQL server for replicas)',
      );
      return new Database(
        new Kysely({ dialect: new PGliteDialect(pglite) }),
        settings,
        { pglite, unlock },
        logger,
      );
    } catch (error) {
      unlock();
      throw error;
    }
  }

  /** Whether this is the embedded database (one process) rather than a PostgreSQL server. */
  get embedded(): boolean {
    return 'pglite' in this.backend;
  }

  /** The current transaction when there is one, else the database: what repositories query. */
  db<DB>(): Kysely<DB> {
    return (TransactionContext.current() ?? this.kysely) as Kysely<DB>;
  }

  /**
   * Runs `work` in a transaction that is current for everything it calls (a transaction in
   * progress is joined), commits, then runs the after-commit hooks. A database away fails with
   * DatabaseUnavailableError; nothing was committed.
   */
  async transaction<T>(work: (tx: Transaction<unknown>) => Promise<T>): Promise<T> {
    const current = TransactionContext.current();
    if (current) {
      return work(current);
    }
    const afterCommit: (() => void)[] = [];
    let result: T;
    try {
      result = await this.kysely
        .transaction()
        .execute((tx) => TransactionContext.run(tx, afterCommit, () => work(tx)));
    } catch (error) {
      throw translate(error);
    }
    for (const hook of afterCommit) {
      hook();
    }
    return result;
  }

  /** Runs one query outside a transaction, translating "the database is away" like transaction(). */
  async run<T>(query: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    try {
      return await query(this.db());
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * Fails when the current transaction is aborted: a statement in it failed even though the code
   * caught the error, and PostgreSQL would answer its `commit` with a silent rollback.
   */
  async assertTransactionUsable(): Promise<void> {
    await sql`select 1`.execute(this.db());
  }

  /** Whether the database answers right now; for readiness. */
  async ping(): Promise<boolean> {
    try {
      await this.run((db) => sql`select 1`.execute(db));
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `hook` (e.g. stopping a relay) before the database closes. */
  beforeClose(hook: () => Promise<void>): void {
    this.beforeCloseHooks.push(hook);
  }

  async close(): Promise<void> {
    for (const hook of this.beforeCloseHooks.splice(0)) {
      await hook().catch((error: unknown) => {
        this.logger.warn?.(`Before closing the database: ${String(error)}`);
      });
    }
    await this.kysely.destroy().catch(() => undefined);
    if ('pglite' in this.backend) {
      await this.backend.pglite.close().catch(() => undefined);
      this.backend.unlock();
    }
  }
}

function translate(error: unknown): unknown {
  if (isConnectionFailure(error) && !(error instanceof DatabaseUnavailableError)) {
    return new DatabaseUnavailableError({ cause: error });
  }
  // pg names its server errors after the protocol message ('error'); a dead letter and a log say
  // more with a class-like name beside the SQLSTATE code (`x-error-code`).
  if (error instanceof Error && error.name === 'error' && /^[0-9A-Z]{5}$/.test(codeOf(error))) {
    error.name = 'DatabaseError';
  }
  return error;
}

function codeOf(error: Error): string {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : '';
}

/** A PostgreSQL identifier, quoted (schema and channel names come from configuration). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
