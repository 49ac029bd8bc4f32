import type { ConfirmChannel } from 'amqplib';
import { retryDelays, type RetryPolicy } from './retry-policy';

/** Quorum queues replicate and cap redeliveries; classic queues suit a single-node broker. */
export type QueueType = 'quorum' | 'classic';

/** Everything needed to declare a service's queues. */
export interface TopologyOptions {
  exchange: string;
  /** Base name; the work, request, retry and dead-letter queues are named after it. */
  queue: string;
  queueType: QueueType;
  /** Quorum only: deliveries (e.g. crashes mid-handler) after which the broker dead-letters a message. */
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

/** What a queue is for. */
export type QueueRole = 'work' | 'requests' | 'retry' | 'dead-letter';

/** One queue as the service declares it: a client declaring it too must use the same arguments. */
export interface QueueDeclaration {
  name: string;
  role: QueueRole;
  /** Always durable; the x-arguments below are the ones the broker compares on re-declaration. */
  arguments: Record<string, string | number>;
  /** Routing keys bound from the exchange. */
  bindings: string[];
}

/** Queue arguments that make dead-lettering from quorum queues at-least-once instead of at-most-once. */
function deadLetterArguments(type: QueueType, routingKey: string): Record<string, string> {
  return {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': routingKey,
    ...(type === 'quorum'
      ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' }
      : {}),
  };
}

/**
 * The queues a service declares, with their arguments and bindings: the one description that
 * {@link declareTopology} declares and the documentation (AsyncAPI, "Talking to the services") shows.
 */
export function describeTopology(
  options: TopologyOptions,
  patterns: { events: string[]; requests: string[] },
): QueueDeclaration[] {
  const names = queueNames(options.queue);
  const type = { 'x-queue-type': options.queueType };
  const declarations: QueueDeclaration[] = [
    { name: names.deadLetter, role: 'dead-letter', arguments: { ...type }, bindings: [] },
    {
      name: names.work,
      role: 'work',
      arguments: {
        ...type,
        ...deadLetterArguments(options.queueType, names.deadLetter),
        ...(options.queueType === 'quorum' ? { 'x-delivery-limit': options.deliveryLimit } : {}),
      },
      bindings: patterns.events,
    },
    ...retryDelays(options.retry).map((delay): QueueDeclaration => ({
      name: names.retry(delay),
      role: 'retry',
      arguments: {
        ...type,
        'x-message-ttl': delay,
        ...deadLetterArguments(options.queueType, names.work),
      },
      bindings: [],
    })),
  ];
  if (patterns.requests.length > 0) {
    // Same type as the rest: a classic queue lives on one node, and while that node is down
    // re-declaring it fails (404 "home node down") and would keep the service from consuming.
    declarations.push({
      name: names.requests,
      role: 'requests',
      arguments: { ...type },
      bindings: patterns.requests,
    });
  }
  return declarations;
}

/**
 * Declares the exchange and the service's queues and binds the patterns it handles. Idempotent, so
 * it runs on every (re)connect; a queue that exists with other arguments makes it fail with a
 * TopologyMismatchError (see ManagedChannel).
 */
export async function declareTopology(
  channel: ConfirmChannel,
  options: TopologyOptions,
  patterns: { events: string[]; requests: string[] },
): Promise<void> {
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  for (const queue of describeTopology(options, patterns)) {
    await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
    for (const pattern of queue.bindings) {
      await channel.bindQueue(queue.name, options.exchange, pattern);
    }
  }
}
