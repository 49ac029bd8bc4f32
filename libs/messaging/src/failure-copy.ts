import type { ConsumeMessage, Options } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { DEATH_HEADERS } from './delivery-headers';
import { readableForm, sanitizeHeaders } from './field-table';
import { MessageHeaders } from './message-headers';
import { isRetryable, serializeError } from './messaging.errors';
import { retryDelayMs, type RetryPolicy } from './retry-policy';

/** What happens to a delivery whose handler failed. */
export type FailureDecision =
  | { action: 'retry'; attempt: number; nextAttempt: number; delayMs: number }
  | { action: 'dead-letter'; attempt: number };

/**
 * Retry or dead-letter: a failure is retried through a delay queue while it is retryable and
 * attempts are left; anything marked permanent, or the last attempt, is dead-lettered.
 */
export function decideFailure(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
): FailureDecision {
  if (isRetryable(error) && attempt < policy.maxAttempts) {
    return {
      action: 'retry',
      attempt,
      nextAttempt: attempt + 1,
      delayMs: retryDelayMs(policy, attempt),
    };
  }
  return { action: 'dead-letter', attempt };
}

/** Delivery counters the broker adds; they describe a queue's deliveries, not the message. */
const BROKER_DELIVERY_COUNTERS = ['x-delivery-count', 'x-acquired-count'];

/** Our failure headers: never removed when a copy's headers must shrink. */
const REASON_HEADERS: ReadonlySet<string> = new Set([
  MessageHeaders.Attempt,
  MessageHeaders.FirstFailureAt,
  MessageHeaders.LastFailureAt,
  MessageHeaders.ErrorName,
  MessageHeaders.ErrorMessage,
  MessageHeaders.ErrorCode,
  MessageHeaders.OriginalExchange,
  MessageHeaders.OriginalRoutingKey,
  MessageHeaders.OriginalQueue,
  MessageHeaders.AssignedMessageId,
  MessageHeaders.ReplacedHeaders,
]);

/** The AMQP properties of a delivery, typed (amqplib types them as `any`). */
interface DeliveryProperties {
  contentType?: string;
  contentEncoding?: string;
  headers?: Record<string, unknown>;
  deliveryMode?: number;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  expiration?: string;
  messageId?: string;
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
}

/** Where a copy of a delivery goes and why; see {@link copyProperties}. */
export interface CopyOptions {
  /** Headers to add or overwrite (the failure reason, the attempt, …). */
  headers: Record<string, unknown>;
  /** Drop the broker's dead-lettering headers (they were malformed), keeping their readable form. */
  dropDeathHeaders?: boolean;
}

/**
 * The properties to publish a copy of a delivery with (to a delay queue, the dead-letter queue, or
 * back to the work queue), such that the broker and amqplib accept it whatever the original carried:
 * - `userId`, `expiration` and `priority` bind a message to its publisher's user, a lifetime and a
 *   priority; the broker would enforce them on the copy (a `userId` of another user closes the
 *   channel, an `expiration` makes a dead letter vanish). They are moved into `x-original-*` headers.
 * - headers amqplib could not encode again (or too many bytes of them) are replaced by a readable
 *   form and listed in `x-replaced-headers`;
 * - the broker's delivery counters are dropped; malformed dead-lettering headers too, on request;
 * - a message without a messageId gets `x-assigned-message-id`, so its copies have an address.
 * Everything else (body, messageId, correlationId, type, appId, timestamp, other headers) is kept.
 */
export function copyProperties(
  msg: Pick<ConsumeMessage, 'properties'>,
  options: CopyOptions,
): Options.Publish & { messageId?: string } {
  const properties = msg.properties as DeliveryProperties;
  const headers: Record<string, unknown> = { ...(properties.headers ?? {}) };
  for (const name of BROKER_DELIVERY_COUNTERS) {
    delete headers[name];
  }
  if (options.dropDeathHeaders) {
    const removed = Object.fromEntries(
      DEATH_HEADERS.filter((name) => headers[name] !== undefined).map((name) => [
        name,
        headers[name],
      ]),
    );
    for (const name of DEATH_HEADERS) {
      delete headers[name];
    }
    headers[MessageHeaders.RemovedDeathHeaders] = readableForm(removed);
  }
  const moved: Record<string, unknown> = {
    [MessageHeaders.OriginalUserId]: properties.userId,
    [MessageHeaders.OriginalExpiration]: properties.expiration,
    [MessageHeaders.OriginalPriority]: properties.priority,
  };
  for (const [name, value] of Object.entries(moved)) {
    if (value !== undefined && value !== null) {
      headers[name] =
        typeof value === 'string' || typeof value === 'number' ? value : readableForm(value);
    }
  }
  Object.assign(headers, options.headers);
  const messageId =
    typeof properties.messageId === 'string' && properties.messageId !== ''
      ? properties.messageId
      : undefined;
  if (messageId === undefined && typeof headers[MessageHeaders.AssignedMessageId] !== 'string') {
    headers[MessageHeaders.AssignedMessageId] = randomUUID();
  }
  const sanitized = sanitizeHeaders(headers, REASON_HEADERS);
  if (sanitized.replaced.length > 0) {
    sanitized.headers[MessageHeaders.ReplacedHeaders] = sanitized.replaced.map(
      ({ name, reason }) => `${name}: ${reason}`,
    );
  }
  const publish: Options.Publish & { messageId?: string } = {
    contentType: asString(properties.contentType),
    contentEncoding: asString(properties.contentEncoding),
    correlationId: asString(properties.correlationId),
    replyTo: asString(properties.replyTo),
    messageId,
    timestamp: Number.isInteger(properties.timestamp) ? properties.timestamp : undefined,
    type: asString(properties.type),
    appId: asString(properties.appId),
    headers: sanitized.headers,
    persistent: true,
  };
  return Object.fromEntries(Object.entries(publish).filter(([, value]) => value !== undefined));
}

/** The reason headers of a failed delivery: what failed, when, and where the message came from. */
export function failureHeaders(
  msg: Pick<ConsumeMessage, 'properties' | 'fields'>,
  error: unknown,
  attempt: number,
  queue: string,
  now = new Date(),
): Record<string, unknown> {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const failure = serializeError(error);
  const firstFailure = headers[MessageHeaders.FirstFailureAt];
  const originalExchange = headers[MessageHeaders.OriginalExchange];
  const originalRoutingKey = headers[MessageHeaders.OriginalRoutingKey];
  return {
    [MessageHeaders.FirstFailureAt]:
      typeof firstFailure === 'string' ? firstFailure : now.toISOString(),
    [MessageHeaders.LastFailureAt]: now.toISOString(),
    [MessageHeaders.ErrorName]: failure.name,
    [MessageHeaders.ErrorMessage]: failure.message.slice(0, 1_000),
    ...(failure.code ? { [MessageHeaders.ErrorCode]: failure.code } : {}),
    [MessageHeaders.OriginalExchange]:
      typeof originalExchange === 'string' ? originalExchange : msg.fields.exchange,
    [MessageHeaders.OriginalRoutingKey]:
      typeof originalRoutingKey === 'string' ? originalRoutingKey : msg.fields.routingKey,
    [MessageHeaders.OriginalQueue]: queue,
    [MessageHeaders.Attempt]: attempt,
  };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
