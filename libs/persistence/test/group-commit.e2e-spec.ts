import type { LoggerService } from '@nestjs/common';
import { sql } from 'kysely';
import { Database, GroupCommit, TransactionContext } from '@app/persistence';
import { dropServiceDatabase, serviceDatabaseEnv, serviceDatabaseSettings } from '@app/testing';

const logger: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A promise and its resolver: holds a unit until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('GroupCommit (real PostgreSQL)', () => {
  const env = serviceDatabaseEnv('consumer');
  let database: Database;

  beforeAll(async () => {
    database = await Database.open(serviceDatabaseSettings(env, 'group_commit_test'), logger);
    await database.run((db) =>
      sql`create table rows (id integer primary key, txid bigint not null)`.execute(db),
    );
  });

  afterAll(async () => {
    await database.close();
    await dropServiceDatabase(env);
  });

  beforeEach(() => database.run((db) => sql`truncate rows`.execute(db)));

  /** Inserts row `id` in the current transaction and resolves with that transaction's id. */
  const insert = async (id: number): Promise<string> => {
    const { rows } = await sql<{ txid: string }>`
      insert into rows (id, txid) values (${id}, txid_current()) returning txid::text`.execute(
      database.db(),
    );
    return rows[0].txid;
  };

  const committed = async (): Promise<number[]> => {
    const { rows } = await database.run((db) =>
      sql<{ id: number }>`select id from rows order by id`.execute(db),
    );
    return rows.map((row) => row.id);
  };

  it('runs units that queued while the transactions were busy in one transaction, each with its own result', async () => {
    const groups = new GroupCommit(database, { concurrency: 1, maxUnits: 32 });
    const first = gate();
    const head = groups.run(async () => {
      await first.opened;
      return insert(0);
    });
    const queued = Array.from({ length: 10 }, (_, index) => groups.run(() => insert(index + 1)));
    first.open();

    const headTx = await head;
    const txids = await Promise.all(queued);

    // The first unit found the slot free and ran alone; the ten that waited shared one transaction.
    expect(new Set(txids).size).toBe(1);
    expect(txids[0]).not.toBe(headTx);
    expect(await committed()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('fails only the unit that failed: the rest of its group commits without it', async () => {
    const groups = new GroupCommit(database, { concurrency: 1, maxUnits: 32 });
    const first = gate();
    const head = groups.run(() => first.opened.then(() => insert(0)));
    const broken = new Error('this unit is broken');
    const outcomes = Promise.allSettled([
      groups.run(() => insert(1)),
      groups.run(async () => {
        await insert(2);
        throw broken;
      }),
      groups.run(() => insert(3)),
      // A statement error aborts the whole PostgreSQL transaction, not just this unit.
      groups.run(() => insert(1)),
    ]);
    first.open();
    await head;

    const [one, two, three, duplicate] = await outcomes;
    expect(one.status).toBe('fulfilled');
    expect(two).toEqual({ status: 'rejected', reason: broken });
    expect(three.status).toBe('fulfilled');
    expect(duplicate.status).toBe('rejected');
    expect((duplicate as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    // Row 2 was written by the unit that then failed: rolled back with it.
    expect(await committed()).toEqual([0, 1, 3]);
  });

  it('splits a group at its failing unit: the units before it commit together, the ones after it together', async () => {
    const groups = new GroupCommit(database, { concurrency: 1, maxUnits: 32 });
    const first = gate();
    const head = groups.run(() => first.opened.then(() => insert(0)));
    const outcomes = Promise.allSettled(
      Array.from({ length: 9 }, (_, index) =>
        groups.run(async () => {
          const txid = await insert(index + 1);
          if (index === 4) {
            throw new Error('poison');
          }
          return txid;
        }),
      ),
    );
    first.open();
    await head;

    const settled = await outcomes;
    const txids = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'x'));
    expect(txids[4]).toBe('x');
    // A poison unit costs its group one more pass, not a transaction per unit.
    expect(new Set(txids.slice(0, 4)).size).toBe(1);
    expect(new Set(txids.slice(5)).size).toBe(1);
    expect(txids[0]).not.toBe(txids[5]);
    expect(await committed()).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
  });

  it('fails a unit that swallowed a failed statement, instead of letting the commit roll its group back silently', async () => {
    const groups = new GroupCommit(database, { concurrency: 1, maxUnits: 32 });
    const first = gate();
    const head = groups.run(() => first.opened.then(() => insert(0)));
    const outcomes = Promise.allSettled([
      groups.run(() => insert(1)),
      groups.run(() => insert(2)),
      // Last in its group: PostgreSQL would answer the group's commit with a rollback, no error.
      groups.run(async () => {
        await insert(1).catch(() => undefined);
      }),
    ]);
    first.open();
    await head;

    const [one, two, swallowed] = await outcomes;
    expect([one.status, two.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(swallowed.status).toBe('rejected');
    expect((swallowed as PromiseRejectedResult).reason).toMatchObject({ code: '25P02' });
    expect(await committed()).toEqual([0, 1, 2]);
  });

  it('runs after-commit hooks once per unit that committed, never for a unit rolled back', async () => {
    const groups = new GroupCommit(database, { concurrency: 1, maxUnits: 32 });
    const first = gate();
    const hooks: string[] = [];
    const head = groups.run(() => first.opened.then(() => insert(0)));
    const outcomes = Promise.allSettled(
      ['a', 'b', 'c'].map((name, index) =>
        groups.run(async () => {
          TransactionContext.afterCommit(() => hooks.push(name));
          await insert(index + 1);
          if (name === 'b') {
            throw new Error('b fails');
          }
        }),
      ),
    );
    first.open();
    await head;
    await outcomes;

    expect(hooks.sort()).toEqual(['a', 'c']);
  });

  it('survives a deadlock between two groups: every unit commits, the victim group split at the unit that got the deadlock', async () => {
    const groups = new GroupCommit(database, { concurrency: 2, maxUnits: 2 });
    await database.run((db) =>
      sql`insert into rows (id, txid) values (100, 0), (200, 0)`.execute(db),
    );
    const busy = gate();
    const blockers = [groups.run(() => busy.opened), groups.run(() => busy.opened)];
    // Group A locks 100 then 200; group B locks 200 then 100: PostgreSQL aborts one of them.
    const aLocked = gate();
    const bLocked = gate();
    const touch = (id: number) =>
      sql`update rows set txid = txid_current() where id = ${id}`.execute(database.db());
    const units = [
      groups.run(async () => {
        await touch(100);
        aLocked.open();
        await bLocked.opened;
      }),
      groups.run(() => touch(200)),
      groups.run(async () => {
        await touch(200);
        bLocked.open();
        await aLocked.opened;
      }),
      groups.run(() => touch(100)),
    ];
    busy.open();
    await Promise.all(blockers);

    const outcomes = await Promise.allSettled(units);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  }, 20_000);

  it('joins the transaction its caller is already in', async () => {
    const groups = new GroupCommit(database, { concurrency: 1, maxUnits: 32 });
    const [outer, inner] = await database.transaction(async () => {
      const outerTx = await insert(1);
      return [outerTx, await groups.run(() => insert(2))];
    });
    expect(inner).toBe(outer);
  });
});
