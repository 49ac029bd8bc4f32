import { BoundedTtlCache } from './bounded-ttl-cache';

describe(BoundedTtlCache.name, () => {
  it('evicts the oldest entry when full', () => {
    const sut = new BoundedTtlCache<string, number>(2, 1_000);
    sut.set('a', 1);
    sut.set('b', 2);
    sut.set('c', 3);
    expect(sut.has('a')).toBe(false);
    expect(sut.get('b')).toBe(2);
    expect(sut.get('c')).toBe(3);
    expect(sut.size).toBe(2);
  });

  it('forgets entries after their time to live', () => {
    let now = 0;
    const sut = new BoundedTtlCache<string, number>(10, 100, () => now);
    sut.set('a', 1);
    now = 99;
    expect(sut.get('a')).toBe(1);
    now = 100;
    expect(sut.get('a')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('refreshes the position of a re-set key', () => {
    const sut = new BoundedTtlCache<string, number>(2, 1_000);
    sut.set('a', 1);
    sut.set('b', 2);
    sut.set('a', 3);
    sut.set('c', 4);
    expect(sut.get('a')).toBe(3);
    expect(sut.has('b')).toBe(false);
  });
});
