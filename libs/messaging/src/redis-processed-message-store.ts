import { Redis } from 'ioredis';
import type { ProcessedMessageStore } from './processed-message-store';

/**
 * Keeps processed messageIds in Redis (SET with a TTL), so de-duplication survives restarts and
 * crashes and holds across replicas of a service.
 */
export class RedisProcessedMessageStore implements ProcessedMessageStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
  ) {
    // Connects on first use: a server that is built but never started (e.g. an app that only serves
    // HTTP, or a start-up that fails first) opens no connection that nothing would close.
    this.redis = new Redis(url, {
      maxRetriesPerRequest: 2,
      lazyConnect: true,
      connectionName: `processed-store:${keyPrefix}`,
    });
    // Failures surface on each call (and the message is retried); don't crash on the event.
    this.redis.on('error', () => undefined);
  }

  async has(messageId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(messageId))) === 1;
  }

  async add(messageId: string): Promise<void> {
    await this.redis.set(this.key(messageId), '1', 'PX', this.ttlMs);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private key(messageId: string): string {
    return `${this.keyPrefix}:processed:${messageId}`;
  }
}
