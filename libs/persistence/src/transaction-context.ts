import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';

/** The transaction in progress and what runs once it committed. */
interface TransactionScope {
  tx: Transaction<unknown>;
  afterCommit: (() => void)[];
}

const storage = new AsyncLocalStorage<TransactionScope>();

/**
 * The transaction a piece of code runs in, carried implicitly, so a repository and the outbox
 * (`MessageBus.publish` inside a transaction) write through the same one without passing it along.
 */
export const TransactionContext = {
  run<T>(tx: Transaction<unknown>, afterCommit: (() => void)[], fn: () => Promise<T>): Promise<T> {
    return storage.run({ tx, afterCommit }, fn);
  },
  /** The current transaction, if the caller runs inside `Database.transaction`. */
  current(): Transaction<unknown> | undefined {
    return storage.getStore()?.tx;
  },
  /** Runs `fn` outside any transaction, e.g. work started on behalf of callers that may be in one. */
  outside<T>(fn: () => T): T {
    return storage.exit(fn);
  },
  /** Runs `hook` after the current transaction commits (never if it rolls back). */
  afterCommit(hook: () => void): void {
    storage.getStore()?.afterCommit.push(hook);
  },
};

/** A Kysely handle: the current transaction when there is one. */
export type Queryable<DB> = Kysely<DB>;
