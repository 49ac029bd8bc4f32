import type { ConfirmChannel, Options } from 'amqplib';
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

function queueOptions(type: QueueType, args: Record<string, unknown>): Options.AssertQueue {
  return { durable: true, arguments: { 'x-queue-type': type, ...args } };
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
  const names = queueNames(options.queue);
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  await channel.assertQueue(names.deadLetter, queueOptions(options.queueType, {}));
  await channel.assertQueue(
    names.work,
    queueOptions(options.queueType, {
      ...deadLetterArguments(options.queueType, names.deadLetter),
      ...(options.queueType === 'quorum' ? { 'x-delivery-limit': options.deliveryLimit } : {}),
    }),
  );
  for (const delay of retryDelays(options.retry)) {
    await channel.assertQueue(
      names.retry(delay),
      queueOptions(options.queueType, {
        'x-message-ttl': delay,
        ...deadLetterArguments(options.queueType, names.work),
      }),
    );
  }
  for (const pattern of patterns.events) {
    await channel.bindQueue(names.work, options.exchange, pattern);
  }
  if (patterns.requests.length > 0) {
    // Same type as the rest: a classic queue lives on one node, and while that node is down
    // re-declaring it fails (404 "home node down") and would keep the service from consuming.
    await channel.assertQueue(names.requests, queueOptions(options.queueType, {}));
    for (const pattern of patterns.requests) {
      await channel.bindQueue(names.requests, options.exchange, pattern);
    }
  }
}
