import { retryDelayMs, retryDelays } from './retry-policy';

describe('retry policy', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 1_500, multiplier: 3 };

  it('grows the delay exponentially', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n))).toEqual([
      1_500, 4_500, 13_500, 40_500,
    ]);
  });

  it('needs one delay per retry, none when retries are off', () => {
    expect(retryDelays(policy)).toHaveLength(4);
    expect(retryDelays({ ...policy, maxAttempts: 1 })).toEqual([]);
  });

  it('collapses equal delays into one queue', () => {
    expect(retryDelays({ maxAttempts: 4, initialDelayMs: 100, multiplier: 1 })).toEqual([100]);
  });
});
