import type { ConfirmChannel } from 'amqplib';
import { brokerVersionOf, type BrokerVersion } from './broker-version';
import { retryDelays, type RetryPolicy } from './retry-policy';

/** Quorum queues replicate and cap redeliveries; classic queues suit a single-node broker. */
export type QueueType = 'quorum' | 'classic';

/** Everything needed to declare a service's queues. */
export interface TopologyOptions {
  exchange: string;
  /** Base name; the work, request, retry and dead-letter queues are named after it. */
  queue: string;
  queueType: QueueType;
  /**
   * Quorum only: deliveries (e.g. crashes mid-handler) after which the broker takes a message off
   * a queue the service consumes (the work queue dead-letters it, the request queue drops it).
   */
  deliveryLimit: number;
  retry: RetryPolicy;
}

/** The names of a service's queues, derived from its base name. */
export function queueNames(queue: string) {
  return {
    /** Events bound from the exchange; durable, consumed with manual acks. */
    work: queue,
    /** Requests bound from the exchange; each expires (per-message TTL) when its caller stops waiting. */
    requests: `${queue}.requests`,
    /** Failed events with the reason in their headers. */
    deadLetter: `${queue}.dlq`,
    /** A delay queue: messages wait out its TTL, then dead-letter back to the work queue. */
    retry: (delayMs: number) => `${queue}.retry.${delayMs}ms`,
  };
}

/** Queue arguments that make dead-lettering from quorum queues at-least-once instead of at-most-once. */
function deadLetterArguments(type: QueueType, routingKey: string): Record<string, unknown> {
  return {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': routingKey,
    ...(type === 'quorum'
      ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' }
      : {}),
  };
}

/**
 * A quorum queue's delivery limit, explicit on every broker: RabbitMQ 4 gives a quorum queue
 * declared without one a limit of 20, so the consumed queues carry the configured limit. The
 * queues no service consumes (dead-letter, retry) carry none, so no amount of reading them (the
 * dead-letter tools requeue what they read, and RabbitMQ 4.0-4.2 counts that) drops a message; how
 * that is said depends on the broker: RabbitMQ 4 takes -1 for no limit, RabbitMQ 3 has no default
 * limit and reads -1 as a limit below every count (3.10 accepts it, then drops a message at its
 * first requeue), so there it is left out, as it is when the version is unknown.
 */
function deliveryLimit(
  type: QueueType,
  limit: number | 'unlimited',
  broker: BrokerVersion | undefined,
): Record<string, unknown> {
  if (type !== 'quorum') {
    return {};
  }
  if (limit !== 'unlimited') {
    return { 'x-delivery-limit': limit };
  }
  return broker !== undefined && broker.major >= 4 ? { 'x-delivery-limit': -1 } : {};
}

function queueOptions(type: QueueType, args: Record<string, unknown>): QueueDeclaration['options'] {
  return { durable: true, arguments: { 'x-queue-type': type, ...args } };
}

/** What a queue is for; see {@link queueNames}. */
export type QueueRole = 'dead-letter' | 'work' | 'retry' | 'requests';

/** One queue exactly as {@link declareTopology} declares it. */
export interface QueueDeclaration {
  role: QueueRole;
  name: string;
  /**
   * The options passed to `assertQueue`: anyone else declaring the queue (a stock Nest client, a
   * pika script) must pass the same, or the broker refuses with 406 PRECONDITION_FAILED.
   */
  options: { durable: true; arguments: Record<string, unknown> };
  /** Routing keys bound from the exchange to this queue. */
  bindings: string[];
}

/**
 * The service's queues, their arguments and bindings, in the order they are declared: the one
 * statement of the topology, which {@link declareTopology} carries out and the docs describe.
 * `broker` is the RabbitMQ version declaring them, which decides how "no delivery limit" is said.
 * The same settings on the same broker always give the same arguments: a queue re-declared with
 * other arguments fails with PRECONDITION_FAILED.
 */
export function queueDeclarations(
  options: TopologyOptions,
  patterns: { events: string[]; requests: string[] },
  broker: BrokerVersion | undefined,
): QueueDeclaration[] {
  const names = queueNames(options.queue);
  const type = options.queueType;
  const declarations: QueueDeclaration[] = [
    {
      role: 'dead-letter',
      name: names.deadLetter,
      options: queueOptions(type, deliveryLimit(type, 'unlimited', broker)),
      bindings: [],
    },
    {
      role: 'work',
      name: names.work,
      options: queueOptions(type, {
        ...deadLetterArguments(type, names.deadLetter),
        ...deliveryLimit(type, options.deliveryLimit, broker),
      }),
      bindings: [...patterns.events],
    },
    ...retryDelays(options.retry).map((delay): QueueDeclaration => ({
      role: 'retry',
      name: names.retry(delay),
      options: queueOptions(type, {
        'x-message-ttl': delay,
        ...deadLetterArguments(type, names.work),
        ...deliveryLimit(type, 'unlimited', broker),
      }),
      bindings: [],
    })),
  ];
  if (patterns.requests.length > 0) {
    // Same type as the rest: a classic queue lives on one node, and while that node is down
    // re-declaring it fails (404 "home node down") and would keep the service from consuming.
    declarations.push({
      role: 'requests',
      name: names.requests,
      options: queueOptions(type, deliveryLimit(type, options.deliveryLimit, broker)),
      bindings: [...patterns.requests],
    });
  }
  return declarations;
}

/**
 * Declares the exchange and the service's queues, in the form the connected broker's version
 * takes, and binds the patterns it handles. Idempotent, so it runs on every (re)connect; a queue
 * that exists with other arguments makes it fail with a TopologyMismatchError (see ManagedChannel).
 */
export async function declareTopology(
  channel: ConfirmChannel,
  options: TopologyOptions,
  patterns: { events: string[]; requests: string[] },
): Promise<void> {
  const queues = queueDeclarations(options, patterns, brokerVersionOf(channel));
  const bind = async (queue: QueueDeclaration): Promise<void> => {
    for (const pattern of queue.bindings) {
      await channel.bindQueue(queue.name, options.exchange, pattern);
    }
  };
  await declareExchange(channel, options.exchange);
  // Every queue of the event side first, then the work queue's bindings; the request queue last.
  const eventSide = queues.filter((queue) => queue.role !== 'requests');
  for (const queue of eventSide) {
    await channel.assertQueue(queue.name, queue.options);
  }
  for (const queue of eventSide) {
    await bind(queue);
  }
  for (const queue of queues.filter((q) => q.role === 'requests')) {
    await channel.assertQueue(queue.name, queue.options);
    await bind(queue);
  }
}

/**
 * The services' one exchange, declared by every channel that publishes or binds to it: a service
 * that only publishes (MessagingModule with `consume: false`) must not depend on another service
 * having declared it first, or each of its publishes closes its channel (404 NOT_FOUND).
 */
export async function declareExchange(
  channel: Pick<ConfirmChannel, 'assertExchange'>,
  exchange: string,
): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}
