import type { LoggerService } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirectoryLockedError, Database, migrate, type Migrations } from '@app/persistence';
import { dropServiceDatabase, serviceDatabaseEnv, serviceDatabaseSettings } from '@app/testing';

/** Quiet: the tests assert on behaviour, not on log lines. */
const logger: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Two migrations; the second sleeps a little, so concurrent runners overlap. */
const migrations: Migrations = {
  '2026-12-04.1-widgets': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('widgets')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .execute();
    },
  },
  '2026-12-04.2-gadgets': {
    async up(db: Kysely<unknown>) {
      await sql`select pg_sleep(0.2)`.execute(db);
      await db.schema
        .createTable('gadgets')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .execute();
    },
  },
};

describe('Database migrations', () => {
  const env = serviceDatabaseEnv('consumer');
  const opened: Database[] = [];

  afterAll(async () => {
    await Promise.all(opened.map((database) => database.close()));
    await dropServiceDatabase(env);
  });

  const open = async () => {
    const database = await Database.open(serviceDatabaseSettings(env, 'migrations_test'), logger);
    opened.push(database);
    return database;
  };

  it('applies every migration to an empty schema, and a second run changes nothing', async () => {
    const database = await open();

    expect(await migrate(database, migrations)).toEqual(Object.keys(migrations));
    expect(await migrate(database, migrations)).toEqual([]);
    const tables = await database.run((db) =>
      sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = ${database.settings.schema} order by table_name`.execute(db),
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['gadgets', 'widgets']),
    );
  });

  const itWithPostgres = process.env.DATABASE_URL ? it : it.skip;

  itWithPostgres(
    'lets replicas starting at once create the schema and apply each migration exactly once',
    async () => {
      const fresh = serviceDatabaseEnv('producer');
      try {
        // Four at once: creating the schema races too (PostgreSQL's `if not exists` is not atomic).
        const replicas = await Promise.all(
          Array.from({ length: 4 }, () =>
            Database.open(serviceDatabaseSettings(fresh, 'migrations_test'), logger),
          ),
        );
        opened.push(...replicas);
        const applied = await Promise.all(replicas.map((replica) => migrate(replica, migrations)));

        // One applied both (under the migrator's advisory lock); the others found nothing to do.
        expect(applied.flat().sort()).toEqual(Object.keys(migrations).sort());
        expect(applied.map((names) => names.length).sort()).toEqual([0, 0, 0, 2]);
      } finally {
        await dropServiceDatabase(fresh);
      }
    },
  );
});

describe('Embedded database folder', () => {
  it('refuses a second process on the same folder, naming it and the owner', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lock-'));
    try {
      // Another live process (this test's parent) holds the folder.
      mkdirSync(join(directory, 'orders'), { recursive: true });
      writeFileSync(join(directory, 'orders', 'owner.pid'), String(process.ppid));

      await expect(
        Database.open(
          {
            schema: 'orders',
            dataDirectory: directory,
            poolSize: 1,
            timeoutMs: 1_000,
            applicationName: 'lock-test',
            groupCommit: { concurrency: 1, maxUnits: 1 },
          },
          logger,
        ),
      ).rejects.toThrow(DataDirectoryLockedError);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
