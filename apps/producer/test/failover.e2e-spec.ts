import { setTimeout as delay } from 'node:timers/promises';
import { EventPatterns } from '@app/contracts';
import {
  EventProbe,
  LocalRabbitCluster,
  ServiceProcess,
  freePort,
  localClusterSupport,
  metricSample,
  waitFor,
  orderIdOf,
  steps,
} from '@app/testing';
import { anOrder, TestSystem } from './support/system';

const support = localClusterSupport();
if (!support.available) {
  console.warn(`Skipping the RabbitMQ cluster failover test: ${support.reason}`);
}
const maybe = support.available ? describe : describe.skip;

/** Orders in flight at once; the load runs from before the node stops until after it is back. */
const CONCURRENCY = 20;
/** Orders answered before the node stops, and again after it is back, before the load ends. */
const ORDERS_AROUND_FAILOVER = 300;
/** How long the node stays down while orders keep coming. */
const OUTAGE_MS = 3_000;
/** Unacked deliveries per consumer replica. */
const PREFETCH = 50;
/**
 * Each sender pauses this long between orders, so the load (at most ~20 × 8 orders/s) lasts as
 * long as the failover takes instead of ending early at MAX_ORDERS when the apps are fast.
 */
const PACE_MS = 120;
/** Hard cap on the orders sent, whatever the timing. */
const MAX_ORDERS = 20_000;
/**
 * Above the waits of the load step (30 + 60 s, and up to 90 s each to stop and to start the node),
 * so a slow run fails naming what it waited for rather than with Jest's own timeout.
 */
const LOAD_STEP_TIMEOUT_MS = 300_000;
/** Above the 90 s the processed orders are waited for. */
const PROCESSED_STEP_TIMEOUT_MS = 120_000;

maybe('Failover across a 3-node RabbitMQ cluster', () => {
  let cluster: LocalRabbitCluster | undefined;
  let system: TestSystem | undefined;
  let replica: ServiceProcess | undefined;
  let replicaUrl = '';
  let probe: EventProbe | undefined;
  const testBrokerUrl = process.env.RABBITMQ_URL;

  beforeAll(async () => {
    cluster = await LocalRabbitCluster.up();
    // The probe and the clean-up helpers (brokerUrl()) use node c, which this test never stops.
    process.env.RABBITMQ_URL = cluster.url('c');
    // The apps list node a first, so they connect to it: it is the node that fails.
    system = await TestSystem.start({
      RABBITMQ_URL: cluster.urls.join(','),
      RABBITMQ_QUEUE_TYPE: 'quorum',
      RABBITMQ_PREFETCH: String(PREFETCH),
      // Requests caught by the failover wait for the reconnection instead of answering 503.
      PUBLISH_TIMEOUT_MS: '5000',
    });
    const port = await freePort();
    replica = new ServiceProcess(
      'consumer',
      {
        ...system.env,
        ...system.consumerDatabase,
        RABBITMQ_QUEUE: system.consumerQueue,
        CONSUMER_PORT: String(port),
      },
      port,
    );
    replicaUrl = `http://127.0.0.1:${port}`;
    await replica.start();
    probe = await EventProbe.create(system.exchange, [EventPatterns.OrderProcessed]);
    // Up to ~35 s for the cluster, plus a build of the consumer when its sources changed.
  }, 240_000);

  afterAll(async () => {
    // Every step runs even if one fails, and the cluster always goes down.
    const errors: unknown[] = [];
    const steps: (() => Promise<unknown> | undefined)[] = [
      () => probe?.close(),
      () => replica?.stop('SIGTERM'),
      () => system?.close(),
      () => cluster?.down(),
    ];
    for (const step of steps) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => errors.push(error));
    }
    if (testBrokerUrl === undefined) {
      delete process.env.RABBITMQ_URL;
    } else {
      process.env.RABBITMQ_URL = testBrokerUrl;
    }
    if (errors.length > 0) {
      throw errors[0];
    }
  }, 120_000);

  // One scenario in named steps; they share what the load saw.
  const step = steps();
  const responses: { status: number; orderId?: string }[] = [];
  /** When each step happened (ms since the load began), the orders answered and processed then. */
  const timeline: Record<string, { ms: number; answered: number; processed: number }> = {};
  let started = 0;
  let accepted: string[] = [];
  let handled = { inProcess: 0, child: 0 };
  const placed = { pattern: EventPatterns.OrderPlaced };
  const processedCount = () => probe!.payloads(EventPatterns.OrderProcessed).length;
  const mark = (event: string) =>
    (timeline[event] = {
      ms: Date.now() - started,
      answered: responses.length,
      processed: processedCount(),
    });

  step('connects the producer and both consumer replicas to node a, the first URL', async () => {
    const connected = await cluster!.connections('a');
    // Producer and both consumer replicas, each with a publisher and a consumer connection.
    expect(connected.filter((name) => name.startsWith('consumer (')).length).toBe(4);
    expect(connected.filter((name) => name.startsWith('producer (')).length).toBe(2);
  });

  step(
    'answers every order with 202 or 503 while node a stops and returns under load',
    async () => {
      const live = { cluster: cluster!, system: system! };
      let sent = 0;
      let sending = true;
      const sender = async () => {
        while (sending && sent < MAX_ORDERS) {
          const i = sent++;
          const response = await live.system.post(
            '/orders',
            anOrder({ customerId: `customer-${i}` }),
          );
          responses.push({ status: response.status, orderId: response.body.orderId as string });
          await delay(PACE_MS);
        }
      };
      const failover = async () => {
        try {
          await waitFor(() => responses.length >= ORDERS_AROUND_FAILOVER, {
            timeoutMs: 30_000,
            description: `${ORDERS_AROUND_FAILOVER} answered orders before the failover`,
          });
          mark('stopping node a');
          await live.cluster.stopNode('a');
          mark('node a stopped');
          await delay(OUTAGE_MS);
          mark('starting node a');
          await live.cluster.startNode('a');
          mark('node a back');
          const answered = responses.length;
          await waitFor(() => responses.length >= answered + ORDERS_AROUND_FAILOVER, {
            timeoutMs: 60_000,
            description: `${ORDERS_AROUND_FAILOVER} answered orders after the failover`,
          });
        } finally {
          sending = false;
        }
      };
      started = Date.now();
      await Promise.all([failover(), ...Array.from({ length: CONCURRENCY }, sender)]);
      mark('load done');

      const statuses = new Set(responses.map((r) => r.status));
      expect([...statuses].filter((s) => s !== 202 && s !== 503)).toEqual([]);
      accepted = responses.filter((r) => r.status === 202).map((r) => r.orderId!);
    },
    LOAD_STEP_TIMEOUT_MS,
  );

  step('accepts more than 95 % of the orders, each under an orderId of its own', () => {
    expect(accepted.length).toBeGreaterThan(responses.length * 0.95);
    expect(new Set(accepted).size).toBe(accepted.length);
  });

  step(
    'loses none: an order.processed for every accepted order, and for nothing else',
    async () => {
      await probe!.waitForAll(EventPatterns.OrderProcessed, accepted, orderIdOf, {
        timeoutMs: 90_000,
        intervalMs: 250,
      });
      mark('all processed');
      const acceptedIds = new Set(accepted);
      const processed = probe!.distinct(EventPatterns.OrderProcessed, orderIdOf);
      expect([...processed].filter((id) => !acceptedIds.has(id))).toEqual([]);
    },
    PROCESSED_STEP_TIMEOUT_MS,
  );

  // Duplicates suppressed: redeliveries and re-published orders were dropped (the consumers' shared inbox)
  // instead of handled again, and any event published twice carries one messageId per order.
  const inProcess = (outcome: string) =>
    system!.outcomes.filter((o) => o.pattern === placed.pattern && o.outcome === outcome).length;
  const inChild = (outcome: string) =>
    metricSample(replicaUrl, 'messaging_consumed_total', { ...placed, outcome });
  const acked = async () => ({ inProcess: inProcess('acked'), child: await inChild('acked') });

  step('acks an order.placed delivery for every accepted order', async () => {
    // A handler publishes order.processed just before it records the messageId and acks.
    await waitFor(
      async () => {
        const { inProcess: one, child: other } = await acked();
        return one + other >= accepted.length;
      },
      { timeoutMs: 10_000, description: `${accepted.length} acked order.placed deliveries` },
    );
    handled = await acked();
    const duplicates = inProcess('duplicate') + (await inChild('duplicate'));
    console.log(
      JSON.stringify({
        sent: responses.length,
        accepted: accepted.length,
        unavailable: responses.length - accepted.length,
        acked: handled,
        extraRuns: handled.inProcess + handled.child - accepted.length,
        duplicatesDropped: duplicates,
        processedEvents: processedCount(),
        timeline,
      }),
    );
  });

  step(
    'runs a handler twice only for deliveries unacked when its connection died, at most prefetch x replicas',
    () => {
      // Each order handled once, but for a handler still running when its connection died: its
      // message goes back to the queue, and if a consumer gets it again before that handler
      // recorded the messageId, it runs twice; at most the unacked deliveries at the cut.
      const extraRuns = handled.inProcess + handled.child - accepted.length;
      expect(extraRuns).toBeGreaterThanOrEqual(0);
      expect(extraRuns).toBeLessThanOrEqual(PREFETCH * 2);
    },
  );

  step('publishes the events of a handler run twice under the same messageId', () => {
    // So downstream consumers drop them.
    const messageIds = probe!.messageIdsBy(EventPatterns.OrderProcessed, orderIdOf);
    expect([...messageIds.values()].filter((ids) => ids.size > 1)).toEqual([]);
  });

  step('shares the orders between both consumer replicas', () => {
    expect(handled.inProcess).toBeGreaterThan(0);
    expect(handled.child).toBeGreaterThan(0);
  });
});
