import fc from 'fast-check';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns } from '@app/contracts';
import { MessageHeaders, MessagingMetrics, queueNames, type RabbitServer } from '@app/messaging';
import {
  connectBroker,
  deleteTopology,
  EventProbe,
  isolatedBrokerEnv,
  queueDepth,
  takeMessages,
  uniqueName,
  waitFor,
  withEnv,
  anOrderPlacedEvent,
  orderIdOf,
} from '@app/testing';
import { createConsumerApp, startConsumerApp } from '@apps/consumer';

const SEED = Number(process.env.FC_SEED ?? 20261129);

const validOrder = () => anOrderPlacedEvent({ customerId: 'fuzz' });
const envelope = (data: unknown, pattern: string = EventPatterns.OrderPlaced) =>
  Buffer.from(JSON.stringify({ pattern, data }));

/** Bodies that can never be a valid order.placed, each a different kind of bad. */
const badBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.alloc(0)),
  fc.string().map((s) => Buffer.from(`{"pattern": ${s}`)),
  fc
    .oneof(fc.integer(), fc.string(), fc.array(fc.integer()))
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc.constant(null).map(() => envelope(validOrder(), 'order.unknown.v1')),
  fc.constantFrom('orderId', 'customerId', 'items', 'currency', 'placedAt').map((field) => {
    const order: Record<string, unknown> = { ...validOrder() };
    delete order[field];
    return envelope(order);
  }),
  fc
    .tuple(
      fc.constantFrom('orderId', 'customerId', 'items', 'currency', 'placedAt'),
      fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
    )
    .map(([field, value]) => envelope({ ...validOrder(), [field]: value })),
  fc.constant(null).map(() => envelope({ ...validOrder(), customerId: 'x'.repeat(512 * 1024) })),
  fc
    .constant(null)
    .map(() =>
      Buffer.from(
        `{"pattern":"${EventPatterns.OrderPlaced}","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"orderId":"nope"}}`,
      ),
    ),
);

describe('AMQP input fuzzing of the consumer', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('fuzz'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
  };
  let app: NestFastifyApplication;
  let server: RabbitServer;
  let probe: EventProbe;

  beforeAll(async () => {
    await withEnv({ ...env, CONSUMER_PORT: '0' }, async () => {
      app = await createConsumerApp();
      server = await startConsumerApp(app, 0);
    });
    probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);
  });

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
  });

  it('dead-letters every bad message with a reason, processes every good one, and keeps going', async () => {
    const bad = fc.sample(badBody, { numRuns: 300, seed: SEED });
    const good: string[] = [];
    const connection = await connectBroker();
    const channel = await connection.createConfirmChannel();
    bad.forEach((body, i) => {
      channel.publish(env.RABBITMQ_EXCHANGE, EventPatterns.OrderPlaced, body, {
        persistent: true,
        messageId: `bad-${i}`,
      });
      if (i % 10 === 0) {
        const order = validOrder();
        good.push(order.orderId);
        channel.publish(env.RABBITMQ_EXCHANGE, EventPatterns.OrderPlaced, envelope(order), {
          persistent: true,
          messageId: order.orderId,
        });
      }
    });
    await channel.waitForConfirms();
    await connection.close();

    await probe.waitForAll(EventPatterns.OrderProcessed, good, orderIdOf, {
      description: 'every valid order to be processed',
    });
    const dlq = queueNames(env.RABBITMQ_QUEUE).deadLetter;
    await waitFor(async () => (await queueDepth(dlq)).messages === bad.length, {
      timeoutMs: 30_000,
      description: `${bad.length} dead letters`,
    });
    const dead = await takeMessages(dlq);
    expect(new Set(dead.map((m) => m.properties.messageId as string))).toEqual(
      new Set(bad.map((_, i) => `bad-${i}`)),
    );
    for (const message of dead) {
      expect(message.properties.headers?.[MessageHeaders.ErrorName]).toMatch(
        /^(MalformedMessageError|NoHandlerError|PayloadValidationError)$/,
      );
      expect(message.properties.headers?.[MessageHeaders.Attempt]).toBe(1);
    }
    expect(server.isConsuming()).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Nothing is held once every message settled: no delivery is still counted in flight.
    const inFlight = async () =>
      (await app.get(MessagingMetrics).inFlight.get()).values.reduce((sum, v) => sum + v.value, 0);
    await waitFor(async () => (await inFlight()) === 0, {
      timeoutMs: 5_000,
      description: 'no delivery in flight',
    });
  }, 90_000);
});
