import { EventPatterns, type OrderProcessedEvent } from '@app/contracts';
import {
  anOrderPlacedEvent,
  deleteTopology,
  dropServiceDatabase,
  serviceDatabaseEnv,
  EventProbe,
  freePort,
  isolatedBrokerEnv,
  publishRaw,
  ServiceProcess,
  uniqueName,
  waitFor,
} from '@app/testing';

// #14 point 7: a message with neither message_id nor correlation_id (amqp-publish sends such)
// used to produce correlationId "" in the consumer's logs and in its follow-up order.processed.
describe('A message without ids', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('no-ids'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'debug', // where the per-order line is
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

  it('gets a generated correlation id that its log lines and its follow-up event share', async () => {
    const port = await freePort();
    consumer = new ServiceProcess(
      'consumer',
      { ...env, ...database, CONSUMER_PORT: String(port) },
      port,
    );
    await consumer.start();
    probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);
    const order = anOrderPlacedEvent({ customerId: 'no-ids' });

    await publishRaw(
      env.RABBITMQ_EXCHANGE,
      EventPatterns.OrderPlaced,
      JSON.stringify({ pattern: EventPatterns.OrderPlaced, data: order }),
      {}, // neither messageId nor correlationId
    );

    const processed = await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (event) => event.orderId === order.orderId,
    );
    const correlationId = processed.properties.correlationId as unknown;
    expect(correlationId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    const lines = await waitFor(
      () => {
        const found = consumer!.output
          .split('\n')
          .filter((l) => l.startsWith('{') && l.includes(order.orderId))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return found.length > 0 ? found : undefined;
      },
      { description: 'the consumer log lines for the order' },
    );
    expect(lines.map((line) => line.correlationId)).toEqual(lines.map(() => correlationId));
  }, 120_000);
});
