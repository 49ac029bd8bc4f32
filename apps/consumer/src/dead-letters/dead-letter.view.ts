import type { Message } from 'amqplib';
import { MessageHeaders } from '@app/messaging';
import type { BodyEncoding, DeadLetterDetail, DeadLetterSummary } from './dto/dead-letter.dto';

/** Characters of the body shown in a listing. */
const PREVIEW_LENGTH = 200;

/** The AMQP properties this module reads, typed (amqplib types them as `any`). */
export interface DeadLetterProperties {
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

/** The typed properties of a message. */
export function propertiesOf(message: Message): DeadLetterProperties {
  return message.properties;
}

/**
 * A dead letter's address: its messageId, or, when its publisher set none, the id the consumer
 * assigned when it copied the message (`x-assigned-message-id`), so it can be shown, replayed and
 * deleted one by one like any other.
 */
export function messageIdOf(message: Message): string | undefined {
  const { messageId, headers } = propertiesOf(message);
  if (typeof messageId === 'string' && messageId !== '') {
    return messageId;
  }
  return asString(headers?.[MessageHeaders.AssignedMessageId]);
}

/**
 * The routing key the message was first published with: the consumer's header, else the first
 * `x-death` entry's (when the broker dead-lettered it), else the key it reached this queue with.
 */
export function originalRoutingKey(message: Message): string | undefined {
  const headers = propertiesOf(message).headers ?? {};
  return (
    asString(headers[MessageHeaders.OriginalRoutingKey]) ??
    asString(firstDeath(headers)?.['routing-keys']?.[0])
  );
}

/** A listing entry: the reason and where the message came from, with a short body preview. */
export function toSummary(message: Message): DeadLetterSummary {
  const properties = propertiesOf(message);
  const headers = properties.headers ?? {};
  const text = decodeUtf8(message.content);
  return {
    messageId: messageIdOf(message) ?? null,
    routingKey: originalRoutingKey(message) ?? null,
    pattern: envelopePattern(text) ?? originalRoutingKey(message) ?? null,
    exchange:
      asString(headers[MessageHeaders.OriginalExchange]) ??
      asString(firstDeath(headers)?.exchange) ??
      null,
    error: {
      name: asString(headers[MessageHeaders.ErrorName]) ?? null,
      message: asString(headers[MessageHeaders.ErrorMessage]) ?? null,
      code: asString(headers[MessageHeaders.ErrorCode]) ?? null,
    },
    deathReason: brokerDeathReason(headers) ?? null,
    attempts: asNumber(headers[MessageHeaders.Attempt]) ?? null,
    firstFailureAt: asString(headers[MessageHeaders.FirstFailureAt]) ?? null,
    lastFailureAt: asString(headers[MessageHeaders.LastFailureAt]) ?? null,
    replayedAt: asString(headers[MessageHeaders.ReplayedAt]) ?? null,
    publishedAt:
      typeof properties.timestamp === 'number'
        ? new Date(properties.timestamp * 1_000).toISOString()
        : null,
    deliveryCount: asNumber(headers['x-delivery-count']) ?? null,
    sizeBytes: message.content.length,
    bodyPreview: (text ?? message.content.toString('base64')).slice(0, PREVIEW_LENGTH),
  };
}

/** One message in full: the body decoded as JSON when it is JSON, every property and header. */
export function toDetail(message: Message): DeadLetterDetail {
  const { headers = {}, ...properties } = propertiesOf(message);
  const text = decodeUtf8(message.content);
  let bodyEncoding: BodyEncoding = 'base64';
  let body: unknown = message.content.toString('base64');
  if (text !== undefined) {
    bodyEncoding = 'utf8';
    body = text;
    try {
      body = JSON.parse(text);
      bodyEncoding = 'json';
    } catch {
      // Not JSON: shown as text.
    }
  }
  return {
    ...toSummary(message),
    bodyEncoding,
    body,
    properties: toJson(withoutUndefined(properties)) as Record<string, unknown>,
    headers: toJson(headers) as Record<string, unknown>,
  };
}

/** Makes AMQP field values JSON-friendly: timestamps as ISO strings, bytes as text or base64. */
function toJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) {
    return decodeUtf8(value) ?? value.toString('base64');
  }
  if (Array.isArray(value)) {
    return value.map(toJson);
  }
  if (typeof value === 'object' && value !== null) {
    const typed = value as { '!'?: unknown; value?: unknown };
    if (typed['!'] === 'timestamp' && typeof typed.value === 'number') {
      return new Date(typed.value * 1_000).toISOString();
    }
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toJson(entry)]));
  }
  return value;
}

function withoutUndefined(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function decodeUtf8(content: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return undefined;
  }
}

/** The `pattern` of a Nest `{ pattern, data }` envelope. */
function envelopePattern(text: string | undefined): string | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? asString((body as { pattern?: unknown }).pattern)
      : undefined;
  } catch {
    return undefined;
  }
}

interface XDeathEntry {
  exchange?: unknown;
  reason?: unknown;
  'routing-keys'?: unknown[];
}

/**
 * Why the broker dead-lettered the message (`delivery_limit`, `rejected`, ...), when the consumer
 * did not: the newest `x-death` entry. A message the consumer dead-lettered also has `x-death`
 * entries, from the expiries of its retry delays, which say nothing about why it failed.
 */
function brokerDeathReason(headers: Record<string, unknown>): string | undefined {
  if (headers[MessageHeaders.ErrorName] !== undefined) {
    return undefined;
  }
  const deaths = headers['x-death'];
  return Array.isArray(deaths)
    ? asString((deaths[0] as XDeathEntry | undefined)?.reason)
    : undefined;
}

/** The oldest `x-death` entry: the broker appends newer ones at the front. */
function firstDeath(headers: Record<string, unknown>): XDeathEntry | undefined {
  const deaths = headers['x-death'];
  return Array.isArray(deaths) && deaths.length > 0
    ? (deaths[deaths.length - 1] as XDeathEntry)
    : undefined;
}

function asString(value: unknown): string | undefined {
  if (Buffer.isBuffer(value)) {
    return value.toString('utf8');
  }
  return typeof value === 'string' ? value : undefined;
}

function asNumber(value: unknown): number | undefined {
  const text = asString(value)?.trim();
  const parsed = typeof value === 'number' ? value : text ? Number(text) : NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
}
