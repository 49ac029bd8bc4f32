import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/** A value a prepared query's builder receives in place of each of its values. */
const SLOT = '\u0000prepared-query-value:';

/** Where each parameter of the compiled statement comes from: a named value or a constant. */
type Source<Values> = { value: keyof Values } | { constant: string | number | boolean | null };

/** A prepared statement's build was not one it can bind later; a programming error. */
export class PreparedQueryError extends Error {
  override readonly name = 'PreparedQueryError';
}

/**
 * A statement written with Kysely's type-checked builder, built and compiled once, then run with
 * new values each time. The hot statements (the inbox row, the outbox row, a handler's row lock)
 * run thousands of times a second; building and compiling each anew (a tree of frozen objects and
 * a visitor pass per statement) cost about a tenth of the consumer's CPU (decision record 0028).
 *
 * The builder receives placeholders for its values and must pass each one unchanged as a value of
 * the statement (not in an array, not transformed): compiling checks that every placeholder it
 * read became one parameter, and refuses constants other than strings, numbers, booleans and null
 * — a `new Date()` in the builder would otherwise be frozen into every later run. The SQL is
 * compiled on the first database it runs on and reused on every other: right while table names
 * are unqualified and the schema comes from `search_path` (as `Database` sets it), wrong for a
 * Kysely instance with a schema plugin.
 */
export class PreparedQuery<DB, Values extends object, Row> {
  private compiled?: { query: CompiledQuery<Row>; sources: Source<Values>[] };

  constructor(private readonly build: (db: Kysely<DB>, values: Values) => Compilable<Row>) {}

  /** Runs the statement with `values` on `db` (a transaction or the database). */
  async execute(db: Kysely<DB>, values: Values): Promise<QueryResult<Row>> {
    const { query, sources } = (this.compiled ??= this.compile(db));
    const parameters = sources.map((source) =>
      'value' in source ? values[source.value] : source.constant,
    );
    return db.executeQuery<Row>({ ...query, parameters });
  }

  private compile(db: Kysely<DB>): { query: CompiledQuery<Row>; sources: Source<Values>[] } {
    const read = new Set<string>();
    const placeholders = new Proxy(
      {},
      {
        get: (_, key) => {
          read.add(String(key));
          return `${SLOT}${String(key)}`;
        },
      },
    ) as Values;
    const query = this.build(db, placeholders).compile();
    const used = new Set<string>();
    const sources = query.parameters.map((parameter): Source<Values> => {
      if (typeof parameter === 'string' && parameter.startsWith(SLOT)) {
        const name = parameter.slice(SLOT.length);
        used.add(name);
        return { value: name as keyof Values };
      }
      if (parameter === null || ['string', 'number', 'boolean'].includes(typeof parameter)) {
        return { constant: parameter as string | number | boolean | null };
      }
      throw new PreparedQueryError(
        `A prepared query has a constant ${Object.prototype.toString.call(parameter)} parameter ` +
          `(${query.sql}): pass it as one of its values, or it is the same in every run`,
      );
    });
    const unused = [...read].filter((name) => !used.has(name));
    if (unused.length > 0) {
      throw new PreparedQueryError(
        `A prepared query did not pass ${unused.join(', ')} as a parameter of its own ` +
          `(${query.sql}): values must go into the statement unchanged`,
      );
    }
    return { query, sources };
  }
}
