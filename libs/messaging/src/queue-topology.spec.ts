import type { ConfirmChannel } from 'amqplib';
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

/** Records the topology calls a real channel would get, in order. */
function recordingChannel(): { channel: ConfirmChannel; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push([name, ...args]);
      return Promise.resolve({});
    };
  const channel = {
    assertExchange: record('assertExchange'),
    assertQueue: record('assertQueue'),
    bindQueue: record('bindQueue'),
  } as unknown as ConfirmChannel;
  return { channel, calls };
}

describe(queueDeclarations.name, () => {
  it('states every quorum queue with its exact arguments and bindings', () => {
    expect(queueDeclarations(options(), patterns)).toEqual([
      {
        role: 'dead-letter',
        name: 'consumer.dlq',
        options: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
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
          },
        },
        bindings: [],
      })),
      {
        role: 'requests',
        name: 'consumer.requests',
        options: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
        bindings: ['order.quote.v1'],
      },
    ]);
  });

  it('leaves out the quorum-only arguments for classic queues', () => {
    const work = queueDeclarations(options({ queueType: 'classic' }), patterns).find(
      (q) => q.role === 'work',
    );

    expect(work?.options.arguments).toEqual({
      'x-queue-type': 'classic',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'consumer.dlq',
    });
  });

  it('declares no request queue for a service that answers no requests', () => {
    const roles = queueDeclarations(options(), {
      events: ['order.processed.v1'],
      requests: [],
    }).map((q) => q.role);

    expect(roles).toEqual(['dead-letter', 'work', 'retry', 'retry']);
  });
});

describe(declareTopology.name, () => {
  it('declares exactly the stated queues, in the order it always has', async () => {
    const { channel, calls } = recordingChannel();

    await declareTopology(channel, options(), patterns);

    const [dlq, work, retry1, retry2, requests] = queueDeclarations(options(), patterns);
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
  });
});
