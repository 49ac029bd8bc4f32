import { deathHeadersProblem, readAttempt } from './delivery-headers';

const timestamp = { '!': 'timestamp', value: 1_796_000_000 };
const death = (overrides: Record<string, unknown> = {}) => ({
  count: 1,
  reason: 'expired',
  queue: 'orders.retry.1500ms',
  time: timestamp,
  exchange: '',
  'routing-keys': ['orders'],
  ...overrides,
});
const isRetryQueue = (queue: string) => queue.startsWith('orders.retry.');

describe(deathHeadersProblem.name, () => {
  it('accepts what the broker writes, and no headers at all', () => {
    expect(deathHeadersProblem({})).toBeUndefined();
    expect(
      deathHeadersProblem({
        'x-death': [death(), death({ reason: 'delivery_limit', queue: 'orders' })],
        'x-first-death-reason': 'expired',
        'x-first-death-queue': 'orders.retry.1500ms',
        'x-first-death-exchange': '',
      }),
    ).toBeUndefined();
  });

  it.each([
    ['a string', { 'x-death': 'forged' }, /not an array/],
    ['an entry that is not a table', { 'x-death': ['x'] }, /x-death\[0\] is not a table/],
    ['a count that is a string', { 'x-death': [death({ count: '1' })] }, /count/],
    ['a negative count', { 'x-death': [death({ count: -1 })] }, /count/],
    ['an unknown reason', { 'x-death': [death({ reason: 'bored' })] }, /reason/],
    [
      'routing keys that are not strings',
      { 'x-death': [death({ 'routing-keys': [1] })] },
      /routing-keys/,
    ],
    ['a time that is not a timestamp', { 'x-death': [death({ time: 'yesterday' })] }, /time/],
    ['a missing queue', { 'x-death': [death({ queue: undefined })] }, /queue/],
    [
      'a first-death reason that is a table',
      { 'x-first-death-reason': { a: 1 } },
      /x-first-death-reason/,
    ],
  ])('names the problem with %s', (_label, headers, problem) => {
    expect(deathHeadersProblem(headers)).toMatch(problem);
  });
});

describe(readAttempt.name, () => {
  it('is attempt 1 without the header', () => {
    expect(readAttempt({}, isRetryQueue)).toEqual({ attempt: 1 });
  });

  it('believes x-attempt on a delivery that expired out of one of our delay queues', () => {
    expect(readAttempt({ 'x-attempt': 3, 'x-death': [death()] }, isRetryQueue)).toEqual({
      attempt: 3,
    });
  });

  it('ignores x-attempt anywhere else, so a forged or copied one cannot skip the retries', () => {
    expect(readAttempt({ 'x-attempt': 99 }, isRetryQueue)).toEqual({ attempt: 1 });
    expect(
      readAttempt({ 'x-attempt': 99, 'x-death': [death({ queue: 'elsewhere' })] }, isRetryQueue),
    ).toEqual({ attempt: 1 });
    expect(
      readAttempt({ 'x-attempt': 99, 'x-death': [death({ reason: 'rejected' })] }, isRetryQueue),
    ).toEqual({ attempt: 1 });
  });

  it.each([0, -1, 1.5, '2', null, [3]])('calls x-attempt %p malformed', (value) => {
    expect(readAttempt({ 'x-attempt': value }, isRetryQueue)).toEqual({
      problem: 'x-attempt is not a positive integer',
    });
  });
});
