import { Redis } from 'ioredis';
import { RedisProcessedMessageStore } from '@app/messaging';
import { uniqueName, waitFor } from '@app/testing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe(RedisProcessedMessageStore.name, () => {
  const prefix = uniqueName('redis-store');
  const sut = new RedisProcessedMessageStore(REDIS_URL, prefix, 300);
  const admin = new Redis(REDIS_URL);

  /** Whether Redis lists a client connection of the store with this key prefix. */
  const connected = async (keyPrefix: string) =>
    ((await admin.client('LIST')) as string).includes(`name=processed-store:${keyPrefix} `);

  afterAll(async () => {
    await sut.close();
    await admin.quit();
  });

  it('remembers a processed messageId until its time to live passes', async () => {
    expect(await sut.has('m-1')).toBe(false);
    await sut.add('m-1');
    expect(await sut.has('m-1')).toBe(true);
    expect(await sut.has('m-2')).toBe(false);
    await waitFor(async () => !(await sut.has('m-1')), { description: 'the entry to expire' });
  });

  it('connects on first use and lets go on close, so an unused store holds no connection', async () => {
    const idlePrefix = uniqueName('redis-store-idle');
    const idle = new RedisProcessedMessageStore(REDIS_URL, idlePrefix, 300);
    // A round trip of another store: an eager client, created before it, would be connected by now.
    await sut.has('anything');
    expect(await connected(prefix)).toBe(true);
    expect(await connected(idlePrefix)).toBe(false);

    await idle.has('m-1');
    expect(await connected(idlePrefix)).toBe(true);
    await idle.close();
    await waitFor(async () => !(await connected(idlePrefix)), {
      description: 'the closed store to disconnect',
    });
  });
});
