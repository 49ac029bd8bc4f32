import { randomUUID } from 'node:crypto';
import { EventPatterns, type OrderPlacedEvent, type OrderProcessedEvent } from '@app/contracts';
import {
  connectBroker,
  deleteTopology,
  EventProbe,
  freePort,
  isolatedBrokerEnv,
  ServiceProcess,
  uniqueName,
  waitFor,
} from '@app/testing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Publishes order.placed events as the producer would: persistent, confirmed, messageId = orderId. */
async function publishOrders(exchange: string, count: number): Promise<string[]> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createConfirmChannel();
    const ids = Array.from({ length: count }, () => randomUUID());
    for (const orderId of ids) {
      const data: OrderPlacedEvent = {
        orderId,
        customerId: 'crash-test',
        items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1_000 }],
        currency: 'EUR',
        placedAt: new Date().toISOString(),
      };
      channel.publish(
        exchange,
        EventPatterns.OrderPlaced,
        Buffer.from(JSON.stringify({ pattern: EventPatterns.OrderPlaced, data })),
        { persistent: true, messageId: orderId, contentType: 'application/json' },
      );
    }
    await channel.waitForConfirms();
    return ids;
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

  beforeAll(async () => {
    consumer = new ServiceProcess(
      'consumer',
      { ...env, CONSUMER_PORT: String(await freePort()) },
      0,
    );
  }, 120_000);

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
    const processedBeforeRestart = new Set(
      probe.payloads<OrderProcessedEvent>(EventPatterns.OrderProcessed).map((e) => e.orderId),
    );
    expect(processedBeforeRestart.size).toBeLessThan(ids.length);

    await consumer.start();
    await waitFor(
      () => {
        const seen = new Set(
          probe.payloads<OrderProcessedEvent>(EventPatterns.OrderProcessed).map((e) => e.orderId),
        );
        return ids.every((id) => seen.has(id));
      },
      { timeoutMs: 60_000, description: 'every order to be processed after the restart' },
    );

    // Each order has exactly one outcome messageId: a handler that ran again after the crash
    // published the very same message, so downstream de-duplication drops the copy.
    const messageIdsByOrder = new Map<string, Set<string>>();
    for (const message of probe.messages) {
      const { orderId } = message.data as OrderProcessedEvent;
      const set = messageIdsByOrder.get(orderId) ?? new Set<string>();
      set.add(message.properties.messageId as string);
      messageIdsByOrder.set(orderId, set);
    }
    expect(messageIdsByOrder.size).toBe(ids.length);
    expect([...messageIdsByOrder.values()].filter((set) => set.size !== 1)).toEqual([]);

    // SIGTERM drains, closes the app and exits cleanly (after the logs are flushed).
    expect(await consumer.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(consumer.output).not.toMatch(/ERROR/);
  }, 180_000);
});
