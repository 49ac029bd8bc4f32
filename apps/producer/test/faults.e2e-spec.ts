import { EventPatterns } from '@app/contracts';
import { EventProbe, TcpProxy, brokerUrl, waitFor, orderIdOf } from '@app/testing';
import { anOrder, TestSystem } from './support/system';

/** Sends `count` requests with `concurrency` in flight, calling `onProgress` after each answer. */
async function load<T>(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<T>,
  onProgress: (done: number) => void = () => undefined,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await send(i);
        onProgress(++done);
      }
    }),
  );
  return results;
}

/** A valid `POST /quotes` body. */
function aQuote(): Record<string, unknown> {
  const { items, currency } = anOrder();
  return { items, currency };
}

describe('Faults between the services and the broker', () => {
  let proxy: TcpProxy;
  let system: TestSystem;
  let probe: EventProbe;

  /** Starts both services behind a fresh proxy to the broker. */
  async function start(publishTimeoutMs: number): Promise<void> {
    const proxied = await TcpProxy.forUrl(brokerUrl());
    proxy = proxied.proxy;
    system = await TestSystem.start({
      RABBITMQ_URL: proxied.url,
      PUBLISH_TIMEOUT_MS: String(publishTimeoutMs),
    });
    probe = await EventProbe.create(system.exchange, [EventPatterns.OrderProcessed]);
  }

  afterEach(async () => {
    proxy?.up();
    await probe?.close();
    await system?.close();
    await proxy?.close();
  });

  it('processes every accepted order, under one messageId each, although the connections are cut twice', async () => {
    await start(3_000);
    const total = 2_000;
    const cuts = new Set([500, 1_200]);

    const responses = await load(
      total,
      50,
      (i) => system.post('/orders', anOrder({ customerId: `customer-${i}` })),
      (done) => {
        if (cuts.has(done)) {
          cuts.delete(done);
          proxy.cut();
        }
      },
    );

    expect(cuts.size).toBe(0);
    const statuses = new Set(responses.map((r) => r.status));
    expect([...statuses].every((s) => s === 202 || s === 503)).toBe(true);
    const accepted = responses.filter((r) => r.status === 202).map((r) => r.body.orderId as string);
    expect(accepted.length).toBeGreaterThan(total * 0.9);

    await probe.waitForAll(EventPatterns.OrderProcessed, accepted, orderIdOf, {
      timeoutMs: 60_000,
    });
    // Nothing for a refused order, and one messageId per order: a handler that ran again after a
    // cut published the very same message, which downstream de-duplication drops.
    const messageIds = probe.messageIdsBy(EventPatterns.OrderProcessed, orderIdOf);
    expect([...messageIds.keys()].filter((id) => !accepted.includes(id))).toEqual([]);
    expect([...messageIds.values()].filter((ids) => ids.size !== 1)).toEqual([]);
  }, 120_000);

  it('answers a quote with 503 + Retry-After within the bounded wait while the broker is away, and recovers', async () => {
    await start(500);
    proxy.down();
    for (const url of [system.producerUrl, system.consumerUrl]) {
      await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 503, {
        description: `${url} to report not ready`,
      });
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    }

    const started = Date.now();
    const response = await system.post('/quotes', aQuote());
    const elapsed = Date.now() - started;

    // A request needs the broker now (orders do not: the outbox keeps them, see durable-orders).
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2_000);

    proxy.up();
    for (const url of [system.producerUrl, system.consumerUrl]) {
      await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, {
        description: `${url} to reconnect and report ready`,
      });
    }
    expect((await system.post('/quotes', aQuote())).status).toBe(200);
  });

  it('keeps the producer memory flat across 10,000 quote requests while the broker is away', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      throw new Error('Run jest with node --expose-gc (npm test does) to measure the heap');
    }
    await start(50);
    proxy.down();
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };

    const send = () => system.post('/quotes', aQuote()).then((r) => r.status);
    const warmup = await load(1_000, 100, send);
    const before = heap();
    const statuses = await load(10_000, 100, send);
    const after = heap();

    expect(new Set([...warmup, ...statuses])).toEqual(new Set([503]));
    // Everything a waiting publish held is released: growth stays within noise, not per request.
    expect(after - before).toBeLessThan(before * 0.1);
  }, 120_000);
});
