import type { ConfirmChannel } from 'amqplib';
import { parseBrokerVersion, type BrokerVersion } from './broker-version';
import { declareTopology, queueDeclarations, type TopologyOptions } from './queue-topology';

const options = (overrides: Partial<TopologyOptions> = {}): TopologyOptions => ({
  exchange: 'events',
  queue: 'consumer',
  queueType: 'quorum',
  deliveryLimit: 10,
  retry: { maxAttempts: 3, initialDelayMs: 1_500, multiplier: 3 },
  ...overrides,
});
const patterns = {
  events: ['order.placed.v1', 'order.cancelled.v1'],
  requests: ['order.quote.v1'],
};
const RABBITMQ_3 = parseBrokerVersion('3.10.8')!;
const RABBITMQ_4 = parseBrokerVersion('4.2.5')!;

/** Records the topology calls a real channel would get, in order, on a broker of this version. */
function recordingChannel(version?: string): { channel: ConfirmChannel; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push([name, ...args]);
      return Promise.resolve({});
    };
  const channel = {
    connection: { serverProperties: { version } },
    assertExchange: record('assertExchange'),
    assertQueue: record('assertQueue'),
    bindQueue: record('bindQueue'),
  } as unknown as ConfirmChannel;
  return { channel, calls };
}

/** Each queue's `x-delivery-limit`, or `none` where it has none. */
function deliveryLimits(broker: BrokerVersion | undefined, overrides?: Partial<TopologyOptions>) {
  return Object.fromEntries(
    queueDeclarations(options(overrides), patterns, broker).map((queue) => [
      queue.name,
      queue.options.arguments['x-delivery-limit'] ?? 'none',
    ]),
  );
}

describe(queueDeclarations.name, () => {
  it('states every quorum queue with its exact arguments and bindings (RabbitMQ 4)', () => {
    expect(queueDeclarations(options(), patterns, RABBITMQ_4)).toEqual([
      {
        role: 'dead-letter',
        name: 'consumer.dlq',
        options: {
          durable: true,
          arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': -1 },
        },
        bindings: [],
      },
      {
        role: 'work',
        name: 'consumer',
        options: {
          durable: true,
          arguments: {
            'x-queue-type': 'quorum',
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': 'consumer.dlq',
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
            'x-delivery-limit': 10,
          },
        },
        bindings: ['order.placed.v1', 'order.cancelled.v1'],
      },
      ...[1_500, 4_500].map((ms) => ({
        role: 'retry',
        name: `consumer.retry.${ms}ms`,
        options: {
          durable: true,
          arguments: {
            'x-queue-type': 'quorum',
            'x-message-ttl': ms,
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': 'consumer',
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
            'x-delivery-limit': -1,
          },
        },
        bindings: [],
      })),
      {
        role: 'requests',
        name: 'consumer.requests',
        options: {
          durable: true,
          arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 10 },
        },
        bindings: ['order.quote.v1'],
      },
    ]);
  });

  it('gives RabbitMQ 4 an explicit limit on every quorum queue: -1 (none) where no service consumes', () => {
    expect(deliveryLimits(RABBITMQ_4)).toEqual({
      'consumer.dlq': -1,
      consumer: 10,
      'consumer.retry.1500ms': -1,
      'consumer.retry.4500ms': -1,
      'consumer.requests': 10,
    });
  });

  it('never gives RabbitMQ 3 a limit of -1 (it drops a message at the first requeue there)', () => {
    // 3.x has no default limit, so leaving it out is "none"; the consumed queues keep theirs.
    const limits = {
      'consumer.dlq': 'none',
      consumer: 10,
      'consumer.retry.1500ms': 'none',
      'consumer.retry.4500ms': 'none',
      'consumer.requests': 10,
    };
    expect(deliveryLimits(RABBITMQ_3)).toEqual(limits);
    expect(deliveryLimits(parseBrokerVersion('3.13.7'))).toEqual(limits);
    // A broker that reports no version gets the form that is safe on both.
    expect(deliveryLimits(undefined)).toEqual(limits);
  });

  it('uses the configured limit, on both broker series', () => {
    for (const broker of [RABBITMQ_3, RABBITMQ_4]) {
      const limits = deliveryLimits(broker, { deliveryLimit: 3 });
      expect([limits.consumer, limits['consumer.requests']]).toEqual([3, 3]);
    }
  });

  it('leaves out the quorum-only arguments for classic queues, on both broker series', () => {
    for (const broker of [RABBITMQ_3, RABBITMQ_4]) {
      const queues = queueDeclarations(options({ queueType: 'classic' }), patterns, broker);

      expect(queues.find((q) => q.role === 'work')?.options.arguments).toEqual({
        'x-queue-type': 'classic',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'consumer.dlq',
      });
      expect(queues.filter((q) => 'x-delivery-limit' in q.options.arguments)).toEqual([]);
    }
  });

  it('declares no request queue for a service that answers no requests', () => {
    const roles = queueDeclarations(
      options(),
      { events: ['order.processed.v1'], requests: [] },
      RABBITMQ_4,
    ).map((q) => q.role);

    expect(roles).toEqual(['dead-letter', 'work', 'retry', 'retry']);
  });
});

describe(declareTopology.name, () => {
  it.each([
    ['3.10.8', RABBITMQ_3],
    ['4.2.5', RABBITMQ_4],
  ])(
    'declares exactly the stated queues for the connected broker (%s), in the order it always has',
    async (version, broker) => {
      const { channel, calls } = recordingChannel(version);

      await declareTopology(channel, options(), patterns);

      const [dlq, work, retry1, retry2, requests] = queueDeclarations(options(), patterns, broker);
      expect(calls).toEqual([
        ['assertExchange', 'events', 'topic', { durable: true }],
        ['assertQueue', dlq.name, dlq.options],
        ['assertQueue', work.name, work.options],
        ['assertQueue', retry1.name, retry1.options],
        ['assertQueue', retry2.name, retry2.options],
        ['bindQueue', 'consumer', 'events', 'order.placed.v1'],
        ['bindQueue', 'consumer', 'events', 'order.cancelled.v1'],
        ['assertQueue', requests.name, requests.options],
        ['bindQueue', 'consumer.requests', 'events', 'order.quote.v1'],
      ]);
    },
  );
});
