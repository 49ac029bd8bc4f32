import type { DatabaseSettings } from './database';
import type { DatabaseEnv } from './database.env';

/** The database settings of a service from its validated environment. */
export function databaseSettings(env: DatabaseEnv, serviceName: string): DatabaseSettings {
  return {
    url: env.DATABASE_URL,
    schema: env.DATABASE_SCHEMA ?? serviceName,
    dataDirectory: env.DATA_DIR,
    poolSize: env.DATABASE_POOL_SIZE,
    timeoutMs: env.DATABASE_TIMEOUT_MS,
    applicationName: serviceName,
    groupCommit: {
      maxUnits: env.GROUP_COMMIT_MAX_UNITS,
      concurrency: env.GROUP_COMMIT_CONCURRENCY,
    },
  };
}
