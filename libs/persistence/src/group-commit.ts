import { isConnectionFailure } from './database.errors';
import { TransactionContext } from './transaction-context';

/** How units of work are grouped into transactions. */
export interface GroupCommitSettings {
  /** Transactions open at once; units arriving while all are busy wait and form the next group. */
  concurrency: number;
  /** Units in one transaction at most. */
  maxUnits: number;
}

/** What a group runs in: `Database.transaction` (structural, so neither file imports the other). */
interface Transactions {
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

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
 * Each unit gets its own outcome, as if it had run alone. When any unit of a group fails, the
 * group's transaction rolls back and every unit of it runs again in a transaction of its own — a
 * unit never commits, or fails, because of another one. Only "the database is away" fails the whole
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

  private async commit(group: Unit<unknown>[]): Promise<void> {
    if (group.length === 1) {
      await this.alone(group[0]);
      return;
    }
    let results: unknown[];
    try {
      results = await this.database.transaction(async () => {
        const done: unknown[] = [];
        for (const unit of group) {
          done.push(await unit.work());
        }
        return done;
      });
    } catch (error) {
      if (isConnectionFailure(error)) {
        for (const unit of group) {
          unit.reject(error);
        }
        return;
      }
      for (const unit of group) {
        await this.alone(unit);
      }
      return;
    }
    group.forEach((unit, index) => unit.resolve(results[index]));
  }

  private async alone(unit: Unit<unknown>): Promise<void> {
    try {
      unit.resolve(await this.database.transaction(unit.work));
    } catch (error) {
      unit.reject(error);
    }
  }
}
