import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from './pglite.dialect';
import { PreparedQuery, PreparedQueryError } from './prepared-query';

interface Tables {
  items: { id: number; name: string; note: string | null; at: Date | null };
}

describe('PreparedQuery (on an in-memory PGlite)', () => {
  let pglite: PGlite;
  let db: Kysely<Tables>;

  beforeAll(async () => {
    pglite = await PGlite.create();
    db = new Kysely<Tables>({ dialect: new PGliteDialect(pglite) });
    await sql`create table items (id integer primary key, name text not null, note text, at timestamptz)`.execute(
      db,
    );
  });

  afterAll(async () => {
    await db.destroy();
    await pglite.close();
  });

  beforeEach(() => sql`truncate items`.execute(db));

  it('builds and compiles once, and binds each run its own values in the statement order', async () => {
    let builds = 0;
    const insert = new PreparedQuery(
      (k: Kysely<Tables>, item: { name: string; id: number; at: Date }) => {
        builds += 1;
        // Values read in another order than the columns, and a constant among them.
        return k
          .insertInto('items')
          .values({ id: item.id, name: item.name, note: 'constant', at: item.at })
          .returning(['id', 'name', 'note']);
      },
    );

    const first = await insert.execute(db, { name: 'one', id: 1, at: new Date(0) });
    const second = await insert.execute(db, { name: 'two', id: 2, at: new Date(1_000) });

    expect(builds).toBe(1);
    expect(first.rows).toEqual([{ id: 1, name: 'one', note: 'constant' }]);
    expect(second.rows).toEqual([{ id: 2, name: 'two', note: 'constant' }]);
    const stored = await db.selectFrom('items').select(['id', 'at']).orderBy('id').execute();
    expect(stored.map((row) => [row.id, row.at?.getTime()])).toEqual([
      [1, 0],
      [2, 1_000],
    ]);
  });

  it('refuses a builder that freezes an object constant (a date taken while building)', async () => {
    const insert = new PreparedQuery((k: Kysely<Tables>, item: { id: number }) =>
      k.insertInto('items').values({ id: item.id, name: 'x', at: new Date() }),
    );
    await expect(insert.execute(db, { id: 1 })).rejects.toThrow(PreparedQueryError);
  });

  it('refuses a builder that transforms a value instead of passing it unchanged', async () => {
    const insert = new PreparedQuery((k: Kysely<Tables>, item: { id: number; name: string }) =>
      k.insertInto('items').values({ id: item.id, name: item.name.toUpperCase() }),
    );
    await expect(insert.execute(db, { id: 1, name: 'x' })).rejects.toThrow(
      /did not pass name as a parameter/,
    );
  });

  it('runs in the transaction it is given', async () => {
    const insert = new PreparedQuery((k: Kysely<Tables>, item: { id: number }) =>
      k.insertInto('items').values({ id: item.id, name: 'in a transaction' }),
    );
    await expect(
      db.transaction().execute(async (tx) => {
        await insert.execute(tx, { id: 7 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.selectFrom('items').select('id').execute()).toEqual([]);
  });
});
