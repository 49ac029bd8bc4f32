import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { EventPatterns, type OrderPlacedEvent } from '@app/contracts';
import {
  anOrderPlacedEvent,
  brokerUrl,
  metricSample,
  publishRaw,
  EventProbe,
  freePort,
  queryServiceDatabase,
  ServiceProcess,
  TcpProxy,
  waitFor,
} from '@app/testing';
import { anOrder, TestSystem } from './support/system';

/** How one service's PostgreSQL can be taken away: a proxy in front of DATABASE_URL. */
async function databaseProxy(): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  target.hostname = '127.0.0.1';
  target.port = String(await proxy.listen());
  return { proxy, url: target.toString() };
}

/** The status GET /orders/:id answers on `baseUrl`. */
async function statusOf(system: TestSystem, orderId: string, baseUrl = system.producerUrl) {
  const response = await fetch(`${baseUrl}/orders/${orderId}`);
  return response.ok ? ((await response.json()) as { status: string }).status : response.status;
}

/**
 * Orders that survive (issue #13): every 202 is committed with its event in the producer's outbox,
 * the consumer decides in one transaction with its inbox and outbox, and the state is in each
 * service's database — through broker outages, database outages, crashes, replicas and restarts.
 */
describe('Durable orders: outbox, inbox and state in PostgreSQL', () => {
  describe('while the broker is away', () => {
    let system: TestSystem;
    let broker: TcpProxy;

    beforeAll(async () => {
      const proxied = await TcpProxy.forUrl(brokerUrl());
      broker = proxied.proxy;
      system = await TestSystem.start({ RABBITMQ_URL: proxied.url, PUBLISH_TIMEOUT_MS: '500' });
    });

    afterAll(async () => {
      await system?.close();
      await broker?.close();
    });

    it('still accepts every order (202, no 503) and processes each once when it is back', async () => {
      const accepted: string[] = [];
      const statuses: number[] = [];
      broker.down();
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && accepted.length < 200) {
        const response = await system.post('/orders', anOrder());
        statuses.push(response.status);
        if (response.status === 202) {
          accepted.push(response.body.orderId as string);
        }
        await delay(25);
      }
      // The outbox lag is visible while the orders wait for the broker.
      await waitFor(
        async () =>
          (await metricSample(system.producerUrl, 'messaging_outbox_pending')) > 0 &&
          (await metricSample(system.producerUrl, 'messaging_outbox_oldest_age_seconds')) > 0,
        { timeoutMs: 20_000, description: 'the outbox lag gauges to show the waiting orders' },
      );
      broker.up();

      expect(statuses.filter((status) => status !== 202)).toEqual([]);
      expect(accepted.length).toBeGreaterThan(20);
      await waitFor(
        async () => {
          const done = await Promise.all(accepted.map((id) => statusOf(system, id)));
          return done.every((status) => status === 'accepted');
        },
        {
          timeoutMs: 60_000,
          description: 'every order accepted during the outage to be processed',
        },
      );
      await waitFor(
        async () =>
          (await metricSample(system.producerUrl, 'messaging_outbox_pending')) === 0 &&
          (await metricSample(system.producerUrl, 'messaging_outbox_oldest_age_seconds')) === 0,
        { description: 'the outbox lag gauges to fall back to zero' },
      );
    }, 120_000);
  });

  describe('while the database is away', () => {
    let system: TestSystem;
    let database: TcpProxy;

    beforeAll(async () => {
      const proxied = await databaseProxy();
      database = proxied.proxy;
      // Only this system's own traffic goes through the proxy.
      system = await TestSystem.start(
        { DATABASE_TIMEOUT_MS: '1000' },
        { databaseUrl: proxied.url },
      );
    });

    afterAll(async () => {
      await system?.close();
      await database?.close();
    });

    it('answers 503 + Retry-After, writes nothing half, and recovers without a restart', async () => {
      const before = await system.post('/orders', anOrder());
      expect(before.status).toBe(202);

      database.down();
      const during = await system.post('/orders', anOrder());
      expect(during.status).toBe(503);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
      await waitFor(
        async () => (await fetch(`${system.consumerUrl}/health/ready`)).status === 503,
        { description: "the consumer's readiness to report the database" },
      );
      const ready = (await (await fetch(`${system.consumerUrl}/health/ready`)).json()) as {
        error?: Record<string, unknown>;
      };
      expect(Object.keys(ready.error ?? {})).toContain('database');

      database.up();
      const after = await waitFor(
        async () => {
          const response = await system.post('/orders', anOrder());
          return response.status === 202 ? response : undefined;
        },
        { timeoutMs: 20_000, description: 'orders to be accepted again' },
      );
      for (const orderId of [before.body.orderId, after.body.orderId] as string[]) {
        await waitFor(async () => (await statusOf(system, orderId)) === 'accepted', {
          timeoutMs: 30_000,
          description: `order ${orderId} to be processed`,
        });
      }
      // Atomic: every order row has exactly its order.placed in the outbox, and no event lacks one.
      const orphans = await queryServiceDatabase<{ orphans: number }>(
        system.producerDatabase,
        `select count(*)::int as orphans from orders o full join messaging_outbox m
           on m.message_id = o.order_id::text
         where m.routing_key = $1 and (o.order_id is null or m.id is null)`,
        [EventPatterns.OrderPlaced],
      );
      expect(orphans[0].orphans).toBe(0);
    }, 90_000);

    it('holds an order that reaches the consumer while its database is away: no retry spent, processed once when it is back', async () => {
      const orderId = randomUUID();
      const order = anOrderPlacedEvent({ orderId, customerId: 'held-while-database-away' });
      database.down();
      // Straight to the exchange: the producer cannot commit while the database is away.
      await publishRaw(
        system.exchange,
        EventPatterns.OrderPlaced,
        JSON.stringify({ pattern: EventPatterns.OrderPlaced, data: order }),
        { messageId: orderId },
      );
      await waitFor(
        async () => (await metricSample(system.consumerUrl, 'messaging_consumer_paused')) === 1,
        { description: 'the consumer to pause while its database is away' },
      );
      const ready = (await (await fetch(`${system.consumerUrl}/health/ready`)).json()) as {
        error?: { consumer?: { reason?: string } };
      };
      expect(ready.error?.consumer?.reason).toMatch(/database/i);
      // Held, not failed: no outcome (retried, dead-lettered) is spent on it while paused.
      expect(system.outcomes.filter((o) => o.messageId === orderId)).toEqual([]);

      database.up();
      await waitFor(() => system.outcomes.some((o) => o.messageId === orderId), {
        timeoutMs: 30_000,
        description: 'the held order to be handled once the database is back',
      });
      await waitFor(
        async () => (await metricSample(system.consumerUrl, 'messaging_consumer_paused')) === 0,
        { description: 'the consumer to resume' },
      );
      expect(system.outcomes.filter((o) => o.messageId === orderId).map((o) => o.outcome)).toEqual([
        'acked',
      ]);
      const rows = await queryServiceDatabase<{ status: string }>(
        system.consumerDatabase,
        'select status from orders where order_id = $1',
        [orderId],
      );
      expect(rows.map((row) => row.status)).toEqual(['accepted']);
    }, 90_000);
  });

  describe('a producer killed after its commit and before its publish', () => {
    let system: TestSystem;
    let producer: ServiceProcess | undefined;
    let broker: TcpProxy | undefined;
    let probe: EventProbe;

    beforeAll(async () => {
      system = await TestSystem.start({}, { producer: false });
      probe = await EventProbe.create(system.exchange, [EventPatterns.OrderPlaced]);
      ServiceProcess.ensureBuilt('producer');
    }, 120_000);

    afterAll(async () => {
      await producer?.stop('SIGKILL');
      await broker?.close();
      await probe?.close();
      await system?.close();
    });

    it('publishes the committed orders after the restart, each under its one messageId', async () => {
      const proxied = await TcpProxy.forUrl(brokerUrl());
      broker = proxied.proxy;
      const port = await freePort();
      const env = {
        ...system.env,
        ...system.producerDatabase,
        RABBITMQ_QUEUE: system.producerQueue,
        PORT: String(port),
      };
      producer = new ServiceProcess('producer', { ...env, RABBITMQ_URL: proxied.url }, port);
      await producer.start();
      // Nothing the producer publishes reaches the broker any more: the outbox keeps it.
      broker.holdUpstream();
      const accepted: string[] = [];
      for (let i = 0; i < 30; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(anOrder()),
        });
        expect(response.status).toBe(202);
        accepted.push(((await response.json()) as { orderId: string }).orderId);
      }
      await producer.stop('SIGKILL');
      broker.releaseUpstream();

      producer = new ServiceProcess('producer', { ...env, RABBITMQ_URL: brokerUrl() }, port);
      await producer.start();
      await probe.waitForAll(
        EventPatterns.OrderPlaced,
        accepted,
        (e: OrderPlacedEvent) => e.orderId,
        {
          timeoutMs: 30_000,
          description: 'every accepted order to be published after the restart',
        },
      );
      const messageIds = probe.messageIdsBy(
        EventPatterns.OrderPlaced,
        (e: OrderPlacedEvent) => e.orderId,
      );
      expect(accepted.filter((id) => messageIds.get(id)?.size !== 1)).toEqual([]);
      await waitFor(
        async () =>
          (
            await Promise.all(
              accepted.map((id) => statusOf(system, id, `http://127.0.0.1:${port}`)),
            )
          ).every((status) => status === 'accepted'),
        { timeoutMs: 30_000, description: 'every order to be processed' },
      );
    }, 120_000);
  });

  describe('cancellations on replicas, in every order of arrival', () => {
    let system: TestSystem;

    beforeAll(async () => {
      system = await TestSystem.start({}, { consumer: false });
    });

    afterAll(async () => {
      await system?.close();
    });

    it('ends cancelled when order and cancel were accepted while the consumers were down', async () => {
      const orderIds: string[] = [];
      for (let i = 0; i < 40; i++) {
        const placed = await system.post('/orders', anOrder());
        orderIds.push(placed.body.orderId as string);
        expect(
          (await system.post(`/orders/${placed.body.orderId as string}/cancel`, {})).status,
        ).toBe(202);
      }

      await system.startConsumer();
      await system.addConsumerReplica();

      await waitFor(
        async () =>
          (await Promise.all(orderIds.map((id) => statusOf(system, id)))).every(
            (status) => status === 'cancelled',
          ),
        { timeoutMs: 60_000, description: 'every cancelled order to end cancelled' },
      );
    }, 120_000);

    it('ends cancelled with place and cancel interleaved on two producers and two consumers', async () => {
      const other = await system.addProducerReplica();
      const orderIds = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const [placeOn, cancelOn] =
            i % 2 === 0 ? [system.producerUrl, other.url] : [other.url, system.producerUrl];
          const placed = await system.post('/orders', anOrder(), {}, placeOn);
          const orderId = placed.body.orderId as string;
          expect((await system.post(`/orders/${orderId}/cancel`, {}, {}, cancelOn)).status).toBe(
            202,
          );
          return orderId;
        }),
      );

      await waitFor(
        async () => {
          const here = await Promise.all(orderIds.map((id) => statusOf(system, id)));
          const there = await Promise.all(orderIds.map((id) => statusOf(system, id, other.url)));
          return [...here, ...there].every((status) => status === 'cancelled');
        },
        { timeoutMs: 60_000, description: 'every order to end cancelled, on both producers' },
      );
    }, 120_000);

    it('knows every earlier order after both services restart', async () => {
      const placed = await system.post('/orders', anOrder());
      const orderId = placed.body.orderId as string;
      await waitFor(async () => (await statusOf(system, orderId)) === 'accepted', {
        description: 'the order to be processed',
      });

      await system.restart();

      expect(await statusOf(system, orderId)).toBe('accepted');
    }, 60_000);
  });

  describe('retention', () => {
    let system: TestSystem;

    beforeAll(async () => {
      system = await TestSystem.start({
        OUTBOX_RETENTION_MS: '0',
        INBOX_RETENTION_MS: '0',
        RETENTION_INTERVAL_MS: '200',
      });
    });

    afterAll(async () => {
      await system?.close();
    });

    it('keeps the outbox and the inbox bounded over a long run', async () => {
      const count = async (env: Record<string, string>, table: string) =>
        (
          await queryServiceDatabase<{ count: number }>(
            env,
            `select count(*)::int as count from ${table}`,
          )
        )[0].count;
      let placed = 0;
      let peak = 0;
      for (let round = 0; round < 5; round++) {
        const ids = await Promise.all(
          Array.from(
            { length: 40 },
            async () => (await system.post('/orders', anOrder())).body.orderId as string,
          ),
        );
        placed += ids.length;
        await waitFor(
          async () =>
            (await Promise.all(ids.map((id) => statusOf(system, id)))).every(
              (s) => s === 'accepted',
            ),
          {
            timeoutMs: 30_000,
            description: 'the round to be processed',
          },
        );
        peak = Math.max(
          peak,
          await count(system.producerDatabase, 'messaging_outbox'),
          await count(system.consumerDatabase, 'messaging_inbox'),
        );
      }

      await waitFor(
        async () =>
          (await count(system.producerDatabase, 'messaging_outbox')) === 0 &&
          (await count(system.consumerDatabase, 'messaging_outbox')) === 0 &&
          (await count(system.consumerDatabase, 'messaging_inbox')) === 0 &&
          (await count(system.producerDatabase, 'messaging_inbox')) === 0,
        { timeoutMs: 20_000, description: 'retention to empty the outboxes and inboxes' },
      );
      expect(peak).toBeLessThan(placed);
    }, 120_000);
  });
});
