import { BoundedTtlCache } from '@app/platform';

/**
 * Remembers which messages a non-transactional handler handled, so a redelivered message is acked
 * without running it twice. Transactional handlers use the inbox instead, which commits with their
 * effects and is shared by replicas.
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
