import { isConnectionFailure } from './database.errors';
import { TransactionContext } from './transaction-context';

/** How units of work are grouped into transactions. */
export interface GroupCommitSettings {
  /** Transactions open at once; units arriving while all are busy wait and form the next group. */
  concurrency: number;
  /** Units in one transaction at most. */
  maxUnits: number;
}

/** What a group runs in: the `Database` (structural, so neither file imports the other). */
interface Transactions {
  transaction<T>(work: () => Promise<T>): Promise<T>;
  assertTransactionUsable(): Promise<void>;
}

/** SQLSTATE in_failed_sql_transaction: an earlier statement failed, not this unit's. */
const TRANSACTION_ABORTED = '25P02';

interface Unit<T> {
  work: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: units of work that arrive while the database is busy with earlier ones run one
 * after the other in a single transaction, so a burst of deliveries costs one `begin`/`commit`
 * (and one WAL flush) per group instead of one per delivery. Nothing waits to form a group: a
 * unit that finds a free slot starts at once, alone; groups form only under load, from what queued
 * meanwhile (decision record 0028, measured).
 *
 * Each unit gets its own outcome, as if it had run alone. When a unit of a group fails, the
 * group's transaction rolls back and the failing unit runs again alone, the others again in groups
 * (see `commit`) — a unit never commits, or fails, because of another one. Only "the database is away" fails the whole
 * group at once (nothing was committed, and running each alone would just wait for it N times).
 * The queue holds no more than its callers have in flight (for the consumer, its prefetch).
 */
export class GroupCommit {
  private readonly queue: Unit<unknown>[] = [];
  private running = 0;

  constructor(
    private readonly database: Transactions,
    private readonly settings: GroupCommitSettings,
  ) {}

  /** Runs `work` in a transaction, possibly shared with other units; resolves once committed. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (TransactionContext.current()) {
      return work();
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Unit<unknown>);
      if (this.running < this.settings.concurrency) {
        this.running += 1;
        // The group's transaction is its own, not one the first caller happens to be in.
        void TransactionContext.outside(() => this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const group = this.queue.splice(0, this.settings.maxUnits);
        if (group.length === 0) {
          return;
        }
        await this.commit(group);
      }
    } finally {
      this.running -= 1;
    }
  }

  /**
   * Runs `group` in one transaction. When unit k fails, the transaction rolls back; units before k
   * (which had succeeded) run again together, unit k alone (so its outcome is its own), and the
   * units after k (which never ran) together — three transactions, not one per unit, so a poison
   * message in a busy stream costs its group one extra pass instead of undoing its grouping.
   */
  private async commit(group: Unit<unknown>[]): Promise<void> {
    if (group.length === 1) {
      await this.alone(group[0]);
      return;
    }
    let running = 0;
    let results: unknown[];
    try {
      results = await this.database.transaction(async () => {
        const done: unknown[] = [];
        for (running = 0; running < group.length; running += 1) {
          done.push(await group[running].work());
        }
        await this.database.assertTransactionUsable();
        return done;
      });
    } catch (error) {
      if (isConnectionFailure(error)) {
        for (const unit of group) {
          unit.reject(error);
        }
        return;
      }
      if (running >= group.length || codeOf(error) === TRANSACTION_ABORTED) {
        // No unit to blame: the commit failed, or a unit caught a failed statement's error and
        // carried on (found at the next statement, maybe another unit's). Each goes alone.
        for (const unit of group) {
          await this.alone(unit);
        }
        return;
      }
      await this.commitSome(group.slice(0, running));
      await this.alone(group[running]);
      await this.commitSome(group.slice(running + 1));
      return;
    }
    group.forEach((unit, index) => unit.resolve(results[index]));
  }

  private async commitSome(group: Unit<unknown>[]): Promise<void> {
    if (group.length > 0) {
      await this.commit(group);
    }
  }

  private async alone(unit: Unit<unknown>): Promise<void> {
    try {
      unit.resolve(
        await this.database.transaction(async () => {
          const result = await unit.work();
          // A unit that swallowed a failed statement fails here, loudly, instead of being
          // acknowledged for a commit that PostgreSQL turned into a rollback.
          await this.database.assertTransactionUsable();
          return result;
        }),
      );
    } catch (error) {
      unit.reject(error);
    }
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}
