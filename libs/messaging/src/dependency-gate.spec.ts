import { DependencyGate } from './dependency-gate';

describe(DependencyGate.name, () => {
  let events: string[];
  let sut: DependencyGate;

  beforeEach(() => {
    jest.useFakeTimers();
    events = [];
    sut = new DependencyGate(
      {
        pause: (dependency) => events.push(`pause ${dependency}`),
        resume: () => events.push('resume'),
      },
      { initialMs: 100, maxMs: 400 },
    );
  });

  afterEach(() => {
    sut.stop();
    jest.useRealTimers();
  });

  it('pauses on the first failure and lets one waiting delivery through per interval, growing to the maximum', async () => {
    const woken: number[] = [];
    void sut.waitFor('the database').then(() => woken.push(1));
    void sut.waitFor('the database').then(() => woken.push(2));
    void sut.waitFor('the database').then(() => woken.push(3));
    expect(events).toEqual(['pause the database']);
    expect(sut.outage()).toMatchObject({ dependency: 'the database', waiting: 3 });

    await jest.advanceTimersByTimeAsync(100);
    expect(woken).toEqual([1]);
    await jest.advanceTimersByTimeAsync(199);
    expect(woken).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(woken).toEqual([1, 2]);
    await jest.advanceTimersByTimeAsync(400);
    expect(woken).toEqual([1, 2, 3]);
  });

  it('lets everything through and resumes when a probe gets through', async () => {
    const woken: number[] = [];
    void sut.waitFor('the database').then(() => woken.push(1));
    void sut.waitFor('the database').then(() => woken.push(2));

    sut.recovered();
    await Promise.resolve();

    expect(woken).toEqual([1, 2]);
    expect(events).toEqual(['pause the database', 'resume']);
    expect(sut.outage()).toBeUndefined();
  });

  it('resumes to probe with a new delivery when nobody waits, and keeps the back-off it reached', async () => {
    sut.releaseAll();
    void sut.waitFor('the database');
    sut.releaseAll();
    await jest.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['pause the database', 'resume']);

    void sut.waitFor('the database');
    await jest.advanceTimersByTimeAsync(199);
    expect(sut.outage()?.waiting).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sut.outage()?.waiting).toBe(0);
  });
});
