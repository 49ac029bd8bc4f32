import { Migrator, type Migration } from 'kysely';
import type { Database } from './database';

/** Migrations by name; applied in name order, so names start with a date. */
export type Migrations = Record<string, Migration>;

/** A migration failed: the schema is as the last successful one left it. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';

  constructor(
    readonly migration: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `Migration ${migration ?? '(unknown)'} failed` +
        (options?.cause instanceof Error ? `: ${options.cause.message}` : ''),
      options,
    );
  }
}

/**
 * Brings the service's schema up to date with Kysely's migrator, which holds a PostgreSQL advisory
 * lock while it works: replicas starting at once apply each migration once, the others wait. Its
 * bookkeeping tables live in the service's schema. Returns the names applied now (none when up to
 * date).
 */
export async function migrate(database: Database, migrations: Migrations): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db(),
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: database.settings.schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((r) => r.migrationName);
}
