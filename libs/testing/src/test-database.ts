import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadEnv } from '@app/config';
import { DatabaseEnv, databaseSettings, type DatabaseSettings } from '@app/persistence';

/**
 * The database variables of one service in a test: its own schema on the test PostgreSQL in
 * DATABASE_URL (set by .ci/run, or by the global setup's container), so runs and services never
 * see each other's rows; without DATABASE_URL (a test run outside the e2e project's global setup),
 * a fresh embedded database folder. Replicas of one
 * service share the same variables (which needs PostgreSQL).
 */
export function serviceDatabaseEnv(service: 'producer' | 'consumer'): Record<string, string> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const suffix = `${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    return { DATABASE_URL: url, DATABASE_SCHEMA: `t_${suffix}_${service}` };
  }
  return { DATA_DIR: mkdtempSync(join(tmpdir(), `orders-${service}-`)) };
}

/**
 * The database settings a service named `name` derives from `env` (e.g. from
 * {@link serviceDatabaseEnv}), for a test that opens a `Database` itself: the same defaults as the
 * apps, from one place.
 */
export function serviceDatabaseSettings(
  env: Record<string, string>,
  name: string,
): DatabaseSettings {
  return databaseSettings(loadEnv(DatabaseEnv, env), name);
}

/** Drops what {@link serviceDatabaseEnv} created: the schema, or the embedded folder. */
export async function dropServiceDatabase(env: Record<string, string>): Promise<void> {
  if (env.DATABASE_URL && env.DATABASE_SCHEMA) {
    const client = new Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${env.DATABASE_SCHEMA}" cascade`);
    } finally {
      await client.end();
    }
  } else if (env.DATA_DIR) {
    rmSync(env.DATA_DIR, { recursive: true, force: true });
  }
}

/** A query against a service's test database (PostgreSQL only), for assertions on its rows. */
export async function queryServiceDatabase<R extends object>(
  env: Record<string, string>,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  if (!env.DATABASE_URL || !env.DATABASE_SCHEMA) {
    throw new Error('queryServiceDatabase needs DATABASE_URL (PostgreSQL)');
  }
  const client = new Client({
    connectionString: env.DATABASE_URL,
    options: `-c search_path="${env.DATABASE_SCHEMA}"`,
  });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Renames a table of a service's test database, so its handlers fail on it (a transient failure
 * that is neither the message's fault nor a dependency away: retried, then dead-lettered), and
 * returns the function that puts it back (the cause fixed).
 */
export async function takeTableAway(
  env: Record<string, string>,
  table: string,
): Promise<() => Promise<void>> {
  await queryServiceDatabase(env, `alter table ${table} rename to ${table}_away`);
  return async () => {
    await queryServiceDatabase(env, `alter table ${table}_away rename to ${table}`);
  };
}
