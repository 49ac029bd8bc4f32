import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStore,
} from './idempotency.store';

interface Entry {
  fingerprint: string;
  state: 'pending' | 'done';
  result?: unknown;
}

/** How long a claimed key stays pending if its owner dies before finishing. */
const PENDING_LEASE_MS = 30_000;
const POLL_MS = 50;

/**
 * Idempotency keys in Redis, shared by every producer replica and surviving restarts: the first
 * request claims the key (SET NX with a short lease), stores its answer for the full TTL when done,
 * and a duplicate on any replica waits briefly for that answer.
 */
export class RedisIdempotencyStore extends IdempotencyStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly ttlMs: number,
    private readonly waitMs: number,
  ) {
    super();
    this.redis = new Redis(url, { maxRetriesPerRequest: 2 });
    this.redis.on('error', () => undefined);
  }

  async run<T>(key: string, fingerprint: string, work: () => Promise<T>): Promise<T> {
    const redisKey = `idempotency:${key}`;
    const pending: Entry = { fingerprint, state: 'pending' };
    const claimed = await this.redis.set(
      redisKey,
      JSON.stringify(pending),
      'PX',
      PENDING_LEASE_MS,
      'NX',
    );
    if (claimed === 'OK') {
      try {
        const result = await work();
        const done: Entry = { fingerprint, state: 'done', result };
        await this.redis.set(redisKey, JSON.stringify(done), 'PX', this.ttlMs);
        return result;
      } catch (error) {
        await this.redis.del(redisKey).catch(() => undefined);
        throw error;
      }
    }
    return this.awaitOther<T>(key, redisKey, fingerprint, work);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private async awaitOther<T>(
    key: string,
    redisKey: string,
    fingerprint: string,
    work: () => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const raw = await this.redis.get(redisKey);
      if (raw === null) {
        // The first attempt failed and released the key: this request takes over.
        return this.run(key, fingerprint, work);
      }
      const entry = JSON.parse(raw) as Entry;
      if (entry.fingerprint !== fingerprint) {
        throw new IdempotencyKeyReusedError(key);
      }
      if (entry.state === 'done') {
        return entry.result as T;
      }
      if (Date.now() > deadline) {
        throw new IdempotencyKeyInProgressError(key);
      }
      await delay(POLL_MS);
    }
  }
}
