import { BoundedTtlCache } from '@app/platform';

/**
 * Remembers which messages were handled, so a redelivered message is acked without running its
 * handler twice. Implement it over a shared store (e.g. Redis) to de-duplicate across replicas.
 */
export interface ProcessedMessageStore {
  has(messageId: string): Promise<boolean>;
  add(messageId: string): Promise<void>;
  /** Releases connections on shutdown. */
  close?(): Promise<void>;
}

/** The default store: per process, bounded in size and age; duplicates older than its window get through. */
export class InMemoryProcessedMessageStore implements ProcessedMessageStore {
  private readonly cache: BoundedTtlCache<string, true>;

  constructor(maxEntries: number, ttlMs: number) {
    this.cache = new BoundedTtlCache(maxEntries, ttlMs);
  }

  has(messageId: string): Promise<boolean> {
    return Promise.resolve(this.cache.has(messageId));
  }

  add(messageId: string): Promise<void> {
    this.cache.set(messageId, true);
    return Promise.resolve();
  }
}
