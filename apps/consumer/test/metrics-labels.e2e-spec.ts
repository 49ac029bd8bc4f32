import { metricSample, publishRaw, waitFor } from '@app/testing';
import { ConsumerUnderTest } from './interop/consumer-under-test';

const FLOOD = 50;

// #14 point 6: metric labels came from message bodies, so anyone who could publish could add
// series without bound (10 made-up patterns added 100+ series).
describe('Consumer metric labels under made-up patterns', () => {
  let consumer: ConsumerUnderTest;

  beforeAll(async () => {
    consumer = await ConsumerUnderTest.start('metric-labels');
  });

  afterAll(async () => {
    await consumer?.close();
  });

  /** The `messaging_*` series the consumer exposes, one line each. */
  const series = async (): Promise<string[]> =>
    (await (await fetch(`${consumer.url}/metrics`)).text())
      .split('\n')
      .filter((line) => line.startsWith('messaging_'));

  const deadLettered = () => consumer.outcomes.filter((o) => o.outcome === 'dead-lettered').length;

  /** Poison messages straight into the work queue, each with a pattern nobody handles. */
  async function publishMadeUp(from: number, count: number): Promise<void> {
    const before = deadLettered();
    for (let i = from; i < from + count; i += 1) {
      await publishRaw(
        '',
        consumer.names.work,
        JSON.stringify({ pattern: `made.up.${i}`, data: {} }),
      );
    }
    await waitFor(() => deadLettered() === before + count, {
      description: `${count} made-up patterns dead-lettered`,
    });
  }

  it(`keeps the number of series fixed while ${FLOOD} made-up patterns arrive`, async () => {
    // The first one creates the "unknown" series; no later one may add any.
    await publishMadeUp(0, 1);
    const before = await series();

    await publishMadeUp(1, FLOOD);

    const after = await series();
    expect(after.length).toBe(before.length);
    expect(after.filter((line) => line.includes('made.up'))).toEqual([]);
    expect(
      await metricSample(consumer.url, 'messaging_consumed_total', {
        pattern: 'unknown',
        outcome: 'dead-lettered',
      }),
    ).toBe(FLOOD + 1);
  });
});
