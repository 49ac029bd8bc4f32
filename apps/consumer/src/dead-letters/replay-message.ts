import type { Message, Options } from 'amqplib';
import { MessageHeaders } from '@app/messaging';
import { originalRoutingKey, propertiesOf } from './dead-letter.view';

/** Delivery counters the broker adds; they describe the dead-letter queue, not the message. */
const BROKER_DELIVERY_COUNTERS = ['x-delivery-count', 'x-acquired-count'];

/**
 * The properties a dead letter is published back to its work queue with: the original ones and
 * headers (the failure history stays visible), but a fresh attempt count so it gets the full retry
 * budget again, and `x-replayed-at`. `userId` is dropped because the broker checks it against
 * the publishing user. Persistent, and mandatory so a missing work queue is noticed.
 */
export function replayProperties(message: Message, now: Date): Options.Publish {
  const properties = propertiesOf(message);
  const headers = Object.fromEntries(
    Object.entries(properties.headers ?? {}).filter(
      ([name]) => !BROKER_DELIVERY_COUNTERS.includes(name),
    ),
  );
  // A bare payload (no `{ pattern, data }` envelope) is routed by this header in the consumer;
  // a message the broker dead-lettered only has it in `x-death`.
  const routingKey = originalRoutingKey(message);
  if (routingKey !== undefined) {
    headers[MessageHeaders.OriginalRoutingKey] ??= routingKey;
  }
  const publish: Options.Publish = {
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    priority: properties.priority,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    expiration: properties.expiration,
    messageId: properties.messageId,
    timestamp: properties.timestamp,
    type: properties.type,
    appId: properties.appId,
    headers: {
      ...headers,
      [MessageHeaders.Attempt]: 1,
      [MessageHeaders.ReplayedAt]: now.toISOString(),
    },
    persistent: true,
    mandatory: true,
  };
  return Object.fromEntries(Object.entries(publish).filter(([, value]) => value !== undefined));
}
