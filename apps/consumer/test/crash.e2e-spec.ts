import { EventPatterns } from '@app/contracts';
import {
  connectBroker,
  deleteTopology,
  EventProbe,
  freePort,
  isolatedBrokerEnv,
  ServiceProcess,
  uniqueName,
  waitFor,
  anOrderPlacedEvent,
  brokerUrl,
  metricSample,
  orderIdOf,
  queryServiceDatabase,
  TcpProxy,
  dropServiceDatabase,
  serviceDatabaseEnv,
} from '@app/testing';

/** Publishes order.placed events as the producer would: persistent, confirmed, messageId = orderId. */
async function publishOrders(exchange: string, count: number): Promise<string[]> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createConfirmChannel();
    const orders = Array.from({ length: count }, () =>
      anOrderPlacedEvent({ customerId: 'crash-test' }),
    );
    for (const data of orders) {
      channel.publish(
        exchange,
        EventPatterns.OrderPlaced,
        Buffer.from(JSON.stringify({ pattern: EventPatterns.OrderPlaced, data })),
        { persistent: true, messageId: data.orderId, contentType: 'application/json' },
      );
    }
    await channel.waitForConfirms();
    return orders.map(orderIdOf);
  } finally {
    await connection.close();
  }
}

describe('Consumer process crash', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('crash'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
    RABBITMQ_PREFETCH: '50',
  };
  const database = serviceDatabaseEnv('consumer');
  let consumer: ServiceProcess;
  let probe: EventProbe;

  // A build of the consumer (when its sources changed) gets this hook's timeout, not the test's.
  beforeAll(async () => {
    ServiceProcess.ensureBuilt('consumer');
    // Here rather than in the first test, so that each test runs on its own (jest -t).
    probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop('SIGKILL');
    await probe?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
    await dropServiceDatabase(database);
  });

  it('loses nothing when SIGKILLed mid-stream, and its re-runs publish nothing new', async () => {
    const port = await freePort();
    consumer = new ServiceProcess(
      'consumer',
      { ...env, ...database, CONSUMER_PORT: String(port) },
      port,
    );
    await consumer.start();

    const ids = await publishOrders(env.RABBITMQ_EXCHANGE, 1_500);
    await waitFor(() => probe.payloads(EventPatterns.OrderProcessed).length >= 300, {
      timeoutMs: 30_000,
      description: '300 processed orders before the crash',
    });
    await consumer.stop('SIGKILL');
    const processedBeforeRestart = probe.distinct(EventPatterns.OrderProcessed, orderIdOf);
    expect(processedBeforeRestart.size).toBeLessThan(ids.length);

    await consumer.start();
    await probe.waitForAll(EventPatterns.OrderProcessed, ids, orderIdOf, {
      timeoutMs: 60_000,
      description: 'every order to be processed after the restart',
    });

    // Each order has exactly one outcome messageId: a handler that ran again after the crash
    // published the very same message, so downstream de-duplication drops the copy.
    const messageIdsByOrder = probe.messageIdsBy(EventPatterns.OrderProcessed, orderIdOf);
    expect(messageIdsByOrder.size).toBe(ids.length);
    expect([...messageIdsByOrder.values()].filter((set) => set.size !== 1)).toEqual([]);

    // SIGTERM drains, closes the app and exits cleanly (after the logs are flushed).
    expect(await consumer.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(consumer.output).not.toMatch(/ERROR/);
  }, 180_000);

  it('handles every order once when killed after its commits and before its acks reached the broker', async () => {
    const inboxed = async () =>
      (
        await queryServiceDatabase<{ count: number }>(
          database,
          'select count(*)::int as count from messaging_inbox',
        )
      )[0].count;
    const { proxy, url } = await TcpProxy.forUrl(brokerUrl());
    const port = await freePort();
    const held = new ServiceProcess(
      'consumer',
      { ...env, ...database, RABBITMQ_URL: url, CONSUMER_PORT: String(port) },
      port,
    );
    try {
      await held.start();
      const before = await inboxed();
      const ids = await publishOrders(env.RABBITMQ_EXCHANGE, 600);
      await waitFor(async () => (await inboxed()) >= before + 100, {
        timeoutMs: 30_000,
        description: '100 orders committed',
      });
      // From here the consumer commits, but its acks (and its publishes) never reach the broker.
      // Counted before the hold: the deliveries in flight commit within milliseconds of it, so a
      // count taken after it could already include them and never grow by 20.
      const holdFrom = await inboxed();
      proxy.holdUpstream();
      await waitFor(async () => (await inboxed()) >= holdFrom + 20, {
        description: '20 more orders committed whose acks are held',
      });
      await held.stop('SIGKILL');
      proxy.releaseUpstream();

      // The broker delivers the held ones again: the inbox knows them, nothing is handled twice.
      await held.start();
      await probe.waitForAll(EventPatterns.OrderProcessed, ids, orderIdOf, {
        timeoutMs: 60_000,
        description: 'every order to be processed after the restart',
      });
      const messageIdsByOrder = probe.messageIdsBy(EventPatterns.OrderProcessed, orderIdOf);
      expect(ids.filter((id) => messageIdsByOrder.get(id)?.size !== 1)).toEqual([]);
      const rows = await queryServiceDatabase<{ order_id: string; outcomes: number }>(
        database,
        `select o.order_id, (select count(*)::int from messaging_outbox m
            where m.routing_key = $1 and convert_from(m.content, 'UTF8')::jsonb -> 'data' ->> 'orderId' = o.order_id::text) as outcomes
          from orders o where o.order_id = any($2::uuid[])`,
        [EventPatterns.OrderProcessed, ids],
      );
      expect(rows).toHaveLength(ids.length);
      expect(rows.filter((row) => row.outcomes !== 1)).toEqual([]);
      expect(
        await metricSample(`http://127.0.0.1:${port}`, 'messaging_inbox_duplicates_total', {
          pattern: EventPatterns.OrderPlaced,
        }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await held.stop('SIGKILL');
      await proxy.close();
    }
  }, 180_000);
});
