import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { RedisConnection } from '@app/platform';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStore,
  IdempotencyStoreUnavailableError,
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
 * and a duplicate on any replica waits briefly for that answer. While Redis is away, requests with a
 * key fail with IdempotencyStoreUnavailableError (503) before anything is published, within the
 * store's call timeout.
 */
export class RedisIdempotencyStore extends IdempotencyStore {
  private readonly logger = new Logger(RedisIdempotencyStore.name);
  private readonly connection: RedisConnection;

  constructor(
    url: string,
    private readonly ttlMs: number,
    private readonly waitMs: number,
  ) {
    super();
    this.connection = new RedisConnection(url, 'idempotency-store');
  }

  private get redis() {
    return this.connection.client;
  }

  async run<T>(key: string, fingerprint: string, work: () => Promise<T>): Promise<T> {
    const redisKey = `idempotency:${key}`;
    const pending: Entry = { fingerprint, state: 'pending' };
    const claimed = await this.reach(key, async () =>
      (await this.connection.ready()).set(
        redisKey,
        JSON.stringify(pending),
        'PX',
        PENDING_LEASE_MS,
        'NX',
      ),
    );
    if (claimed === 'OK') {
      let result: T;
      try {
        result = await work();
      } catch (error) {
        await this.redis.del(redisKey).catch(() => undefined);
        throw error;
      }
      const done: Entry = { fingerprint, state: 'done', result };
      // The work is done (the order is published): its answer stands even if Redis is gone now. A
      // retry then waits out the lease and runs again under the same key, which the consumer
      // de-duplicates (the orderId, and so the messageId, derive from the key).
      await this.redis.set(redisKey, JSON.stringify(done), 'PX', this.ttlMs).catch((error) => {
        this.logger.warn(`Could not store the answer for an Idempotency-Key: ${String(error)}`);
      });
      return result;
    }
    return this.awaitOther<T>(key, redisKey, fingerprint, work);
  }

  /** Runs one Redis call; its failure means the store is away, not that the request is wrong. */
  private async reach<R>(key: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw new IdempotencyStoreUnavailableError(key, { cause: error });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }

  private async awaitOther<T>(
    key: string,
    redisKey: string,
    fingerprint: string,
    work: () => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const raw = await this.reach(key, () => this.redis.get(redisKey));
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
