import type { ProcessedMessageStore } from './processed-message-store';
import { RedisConnection } from '@app/platform';

/**
 * Keeps processed messageIds in Redis (SET with a TTL), so de-duplication survives restarts and
 * crashes and holds across replicas of a service. A call fails fast while Redis is away; the
 * consumer then pauses instead of using up the message's attempts.
 */
export class RedisProcessedMessageStore implements ProcessedMessageStore {
  private readonly connection: RedisConnection;

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
  ) {
    this.connection = new RedisConnection(url, `processed-store:${keyPrefix}`);
  }

  async has(messageId: string): Promise<boolean> {
    const redis = await this.connection.ready();
    return (await redis.exists(this.key(messageId))) === 1;
  }

  async add(messageId: string): Promise<void> {
    const redis = await this.connection.ready();
    await redis.set(this.key(messageId), '1', 'PX', this.ttlMs);
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private key(messageId: string): string {
    return `${this.keyPrefix}:processed:${messageId}`;
  }
}
