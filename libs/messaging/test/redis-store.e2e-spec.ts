import { RedisProcessedMessageStore } from '@app/messaging';
import { uniqueName, waitFor } from '@app/testing';

describe(RedisProcessedMessageStore.name, () => {
  const sut = new RedisProcessedMessageStore(
    process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    uniqueName('redis-store'),
    300,
  );

  afterAll(async () => {
    await sut.close();
  });

  it('remembers a processed messageId until its time to live passes', async () => {
    expect(await sut.has('m-1')).toBe(false);
    await sut.add('m-1');
    expect(await sut.has('m-1')).toBe(true);
    expect(await sut.has('m-2')).toBe(false);
    await waitFor(async () => !(await sut.has('m-1')), { description: 'the entry to expire' });
  });
});
