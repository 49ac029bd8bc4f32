import { Client } from 'pg';

/** What the bench uses when DATABASE_URL is unset: the machine's PostgreSQL, as .ci/run does. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A schema name of its own for one service of one run (`bench_<pid>_<time>_<random>_<service>`),
 * so runs never see each other's rows and each can be dropped afterwards.
 */
export function uniqueSchema(service: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `bench_${process.pid}_${Date.now().toString(36)}_${random}_${service}`.slice(0, 63);
}

/** A quoted identifier (our own names, but quoted all the same). */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Drops the run's schemas with everything in them; run after the services stopped. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    for (const schema of schemas) {
      await client.query(`drop schema if exists ${quoteIdentifier(schema)} cascade`);
    }
  } finally {
    await client.end();
  }
}

/** The server's version, or a clear error when it does not answer (checked before any run). */
export async function databaseVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at DATABASE_URL (${error instanceof Error ? error.message : String(error)}); ` +
        `the bench runs the apps against it (default ${DEFAULT_DATABASE_URL})`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
