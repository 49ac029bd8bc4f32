import fc from 'fast-check';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns } from '@app/contracts';
import { MessageHeaders, MessagingMetrics, queueNames, type RabbitServer } from '@app/messaging';
import {
  brokerUrl,
  connectBroker,
  deleteTopology,
  EventProbe,
  isolatedBrokerEnv,
  queueDepth,
  takeMessages,
  uniqueName,
  waitFor,
  anOrderPlacedEvent,
  orderIdOf,
  dropServiceDatabase,
  serviceDatabaseEnv,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';

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

/** A header name; not `!`, which amqplib reads as its marker of a typed value. */
const headerName = fc.string({ minLength: 1, maxLength: 12 }).filter((name) => name !== '!');

/**
 * A header value as amqplib can send it; the typed doubles decode to numbers amqplib cannot encode
 * again. (NaN and ±Infinity cannot arrive: RabbitMQ 3.10 closes the publisher's connection.)
 */
const headerValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc
    .constantFrom(-1e300, 1_125_899_906_842_624.5, -(2 ** 52) - 0.5, 1e-300)
    .map((value) => ({ '!': 'double', value })),
  fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 4 }),
  fc.dictionary(headerName, fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);

/** Headers this layer and the broker read, forged in every shape, beside random ones. */
const hostileHeaders: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      random: fc.dictionary(headerName, headerValue, {
        maxKeys: 4,
      }),
      attempt: fc.oneof(fc.integer({ min: -2, max: 99 }), fc.string({ maxLength: 3 })),
      death: fc.oneof(
        headerValue,
        fc.constant([
          { count: 'x', reason: 'rejected', queue: 'q', exchange: '', 'routing-keys': [] },
        ]),
      ),
      routingKey: fc.constantFrom(EventPatterns.OrderPlaced, 'order.unknown.v1'),
    },
    { requiredKeys: ['random'] },
  )
  .map(({ random, attempt, death, routingKey }) => ({
    ...random,
    ...(attempt !== undefined ? { [MessageHeaders.Attempt]: attempt } : {}),
    ...(death !== undefined ? { 'x-death': death } : {}),
    ...(routingKey !== undefined ? { [MessageHeaders.OriginalRoutingKey]: routingKey } : {}),
  }));

/** Properties a careless or hostile publisher sets, including the ones the broker enforces. */
const hostileProperties = (user: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      expiration: fc.integer({ min: 60_000, max: 600_000 }).map(String),
      priority: fc.integer({ min: 0, max: 255 }),
      userId: fc.constant(user),
      replyTo: fc.string({ minLength: 1, maxLength: 20 }),
      correlationId: fc.string({ maxLength: 20 }),
      type: fc.string({ maxLength: 20 }),
      contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-garbage'),
      contentEncoding: fc.constantFrom('gzip', 'identity'),
      appId: fc.string({ maxLength: 20 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 31 }),
    },
    { requiredKeys: [] },
  );

describe('AMQP input fuzzing of the consumer', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('fuzz'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
  };
  const database = serviceDatabaseEnv('consumer');
  let app: NestFastifyApplication;
  let server: RabbitServer;
  let probe: EventProbe;

  beforeAll(async () => {
    app = await createConsumerApp(ConsumerConfig.fromEnv({ ...env, ...database }));
    server = await startConsumerApp(app, 0);
    probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);
  });

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
    await dropServiceDatabase(database);
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

  it('settles every message whatever its properties and headers: processed, or dead-lettered with a reason', async () => {
    const user = decodeURIComponent(new URL(brokerUrl()).username) || 'guest';
    const messages = fc.sample(
      fc.record({
        properties: hostileProperties(user),
        headers: hostileHeaders,
        valid: fc.boolean(),
      }),
      { numRuns: 150, seed: SEED },
    );
    const orders = messages.map(() => validOrder());
    const connection = await connectBroker();
    const channel = await connection.createConfirmChannel();
    messages.forEach(({ properties, headers, valid }, i) => {
      channel.publish(
        env.RABBITMQ_EXCHANGE,
        EventPatterns.OrderPlaced,
        valid ? envelope(orders[i]) : Buffer.from(`{"pattern": ${i}`),
        { ...properties, headers, persistent: true, messageId: `hostile-${i}` },
      );
    });
    await channel.waitForConfirms();
    await connection.close();

    const dlq = queueNames(env.RABBITMQ_QUEUE).deadLetter;
    const settled = async () => {
      const processed = probe.distinct(EventPatterns.OrderProcessed, orderIdOf);
      return (
        orders.filter((order) => processed.has(order.orderId)).length +
        (await queueDepth(dlq)).messages
      );
    };
    await waitFor(async () => (await settled()) === messages.length, {
      timeoutMs: 60_000,
      description: `all ${messages.length} hostile messages processed or dead-lettered`,
    });
    const dead = await takeMessages(dlq);
    const processed = probe.distinct(EventPatterns.OrderProcessed, orderIdOf);
    messages.forEach(({ valid }, i) => {
      const deadLetter = dead.find((m) => m.properties.messageId === `hostile-${i}`);
      // Exactly one fate each: processed, or dead-lettered with its reason.
      expect([processed.has(orders[i].orderId), deadLetter !== undefined]).toContain(true);
      expect(processed.has(orders[i].orderId) && deadLetter !== undefined).toBe(false);
      if (!valid) {
        expect(deadLetter?.properties.headers?.[MessageHeaders.ErrorName]).toEqual(
          expect.any(String),
        );
      }
      expect(deadLetter?.properties.expiration).toBeUndefined();
    });
    expect(server.isConsuming()).toBe(true);
  }, 120_000);
});
