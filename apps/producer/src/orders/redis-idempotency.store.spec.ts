import { PRODUCER_PROBLEMS } from '../common/problems';
import { IdempotencyStoreUnavailableError } from './idempotency.store';
import { RedisIdempotencyStore } from './redis-idempotency.store';

describe(RedisIdempotencyStore.name, () => {
  // Nothing listens on port 1: every Redis call fails the way it does while Redis is away.
  const store = new RedisIdempotencyStore('redis://127.0.0.1:1', 60_000, 1_000);

  afterAll(async () => {
    await store.onApplicationShutdown();
  });

  it('fails with a 503 before doing any work while Redis is away', async () => {
    const work = jest.fn(() => Promise.resolve('published'));

    const failure = await store.run('key-1', 'fingerprint', work).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(IdempotencyStoreUnavailableError);
    expect(work).not.toHaveBeenCalled();
    const [problem] = PRODUCER_PROBLEMS.map((rule) => rule(failure)).filter(Boolean);
    expect(problem).toMatchObject({ type: { status: 503 }, retryAfterSeconds: 5 });
  });
});
