import { Injectable } from '@nestjs/common';
import { BoundedTtlCache } from '@app/platform';
import { ProducerConfig } from '../config/producer.config';

interface Entry<T> {
  fingerprint: string;
  result: Promise<T>;
}

/** Raised when an Idempotency-Key comes back with a different request body. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';

  constructor(readonly key: string) {
    super('This Idempotency-Key was already used with a different request body');
  }
}

/** Raised when a request with the same Idempotency-Key is still being handled elsewhere. */
export class IdempotencyKeyInProgressError extends Error {
  override readonly name = 'IdempotencyKeyInProgressError';

  constructor(readonly key: string) {
    super('A request with this Idempotency-Key is still in progress; retry shortly');
  }
}

/** Raised when the shared store of keys (Redis) cannot be reached: nothing was done, retry later. */
export class IdempotencyStoreUnavailableError extends Error {
  override readonly name = 'IdempotencyStoreUnavailableError';

  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super('The Idempotency-Key store is unavailable; retry later', options);
  }
}

/**
 * Remembers the outcome of each Idempotency-Key for a bounded time, so a retried request returns
 * the first answer instead of doing the work again. Also the injection token of the store.
 */
export abstract class IdempotencyStore {
  /** Runs `work` once per key; a failed run is forgotten so the client can retry with the same key. */
  abstract run<T>(key: string, fingerprint: string, work: () => Promise<T>): Promise<T>;
}

/** The default store: per process and bounded; a concurrent duplicate waits for the first. */
@Injectable()
export class InMemoryIdempotencyStore extends IdempotencyStore {
  private readonly entries: BoundedTtlCache<string, Entry<unknown>>;

  constructor({ env }: ProducerConfig) {
    super();
    this.entries = new BoundedTtlCache(env.IDEMPOTENCY_MAX_KEYS, env.IDEMPOTENCY_TTL_MS);
  }

  run<T>(key: string, fingerprint: string, work: () => Promise<T>): Promise<T> {
    const existing = this.entries.get(key) as Entry<T> | undefined;
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        return Promise.reject(new IdempotencyKeyReusedError(key));
      }
      return existing.result;
    }
    const result = work();
    this.entries.set(key, { fingerprint, result });
    result.catch(() => this.entries.delete(key));
    return result;
  }
}
