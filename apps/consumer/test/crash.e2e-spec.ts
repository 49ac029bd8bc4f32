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
  orderIdOf,
} from '@app/testing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

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
    REDIS_URL,
    RABBITMQ_PREFETCH: '50',
  };
  let consumer: ServiceProcess;
  let probe: EventProbe;

  // A build of the consumer (when its sources changed) gets this hook's timeout, not the test's.
  beforeAll(() => ServiceProcess.ensureBuilt('consumer'), 120_000);

  afterAll(async () => {
    await consumer?.stop('SIGKILL');
    await probe?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
  });

  it('loses nothing when SIGKILLed mid-stream, and its re-runs publish nothing new', async () => {
    const port = await freePort();
    consumer = new ServiceProcess('consumer', { ...env, CONSUMER_PORT: String(port) }, port);
    await consumer.start();
    probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);

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
});
