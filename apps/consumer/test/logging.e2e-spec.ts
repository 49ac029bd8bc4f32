import { EventPatterns } from '@app/contracts';
import {
  deleteTopology,
  EventProbe,
  freePort,
  isolatedBrokerEnv,
  publishRaw,
  ServiceProcess,
  uniqueName,
  waitFor,
  anOrderPlacedEvent,
  dropServiceDatabase,
  serviceDatabaseEnv,
} from '@app/testing';

describe('Consumer logs', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('logs'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
    LOG_FORMAT: 'json',
    // The per-order line is at debug.
    LOG_LEVEL: 'debug',
  };
  const database = serviceDatabaseEnv('consumer');
  let consumer: ServiceProcess | undefined;
  let probe: EventProbe | undefined;

  afterAll(async () => {
    await consumer?.stop('SIGTERM');
    await probe?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
    await dropServiceDatabase(database);
  });

  it('writes JSON lines that carry the message correlation id, and never the broker password', async () => {
    const port = await freePort();
    consumer = new ServiceProcess(
      'consumer',
      { ...env, ...database, CONSUMER_PORT: String(port) },
      port,
    );
    await consumer.start();
    probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);
    const order = anOrderPlacedEvent({ customerId: 'c-logs' });
    const { orderId } = order;

    await publishRaw(
      env.RABBITMQ_EXCHANGE,
      EventPatterns.OrderPlaced,
      JSON.stringify({ pattern: EventPatterns.OrderPlaced, data: order }),
      { messageId: orderId, correlationId: 'corr-from-http-42' },
    );

    const processed = await probe.waitForMessage(EventPatterns.OrderProcessed);
    expect(processed.properties.correlationId).toBe('corr-from-http-42');
    const line = await waitFor(
      () =>
        consumer!.output
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => typeof l.msg === 'string' && l.msg.includes(`Processed order ${orderId}`)),
      { description: 'the consumer log line for the order' },
    );
    expect(line).toMatchObject({
      level: 20,
      service: 'consumer',
      context: 'OrdersService',
      correlationId: 'corr-from-http-42',
      messageId: orderId,
    });
    const password = new URL(env.RABBITMQ_URL).password;
    if (password) {
      expect(consumer.output).not.toContain(`:${password}@`);
    }
  }, 120_000);

  it('still writes the lines it logs while shutting down after SIGTERM', async () => {
    expect(consumer).toBeDefined();
    const exit = await consumer!.stop('SIGTERM');

    expect(exit).toEqual({ code: 0, signal: null });
    expect(consumer!.output).toContain('Stopped consuming; the connection is closed');
  });
});
