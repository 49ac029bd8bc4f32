import type { Message, Options } from 'amqplib';
import { copyProperties, MessageHeaders } from '@app/messaging';
import { originalRoutingKey } from './dead-letter.view';

/**
 * The properties a dead letter is published back to its work queue with: the original ones and
 * headers (the failure history stays visible), but a fresh attempt count so it gets the full retry
 * budget again, and `x-replayed-at`. Like every copy of a delivery (see `copyProperties`), it carries
 * no `userId`, `expiration` or `priority` and only headers amqplib can encode. Persistent, and
 * mandatory so a missing work queue is noticed.
 */
export function replayProperties(message: Message, now: Date): Options.Publish {
  const headers: Record<string, unknown> = {
    [MessageHeaders.Attempt]: 1,
    [MessageHeaders.ReplayedAt]: now.toISOString(),
  };
  // A bare payload (no `{ pattern, data }` envelope) is routed by this header in the consumer;
  // a message the broker dead-lettered only has it in `x-death`.
  const routingKey = originalRoutingKey(message);
  const own: unknown = message.properties.headers?.[MessageHeaders.OriginalRoutingKey];
  if (routingKey !== undefined && typeof own !== 'string') {
    headers[MessageHeaders.OriginalRoutingKey] = routingKey;
  }
  return { ...copyProperties(message, { headers }), mandatory: true };
}
