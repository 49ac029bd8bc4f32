import { MessageHeaders } from './message-headers';

/** Reasons RabbitMQ writes into an `x-death` entry. */
const DEATH_REASONS = new Set(['rejected', 'expired', 'maxlen', 'delivery_limit']);

/** The broker's dead-lettering headers besides `x-death`: strings when present. */
const DEATH_STRING_HEADERS = [
  'x-first-death-reason',
  'x-first-death-queue',
  'x-first-death-exchange',
  'x-last-death-reason',
  'x-last-death-queue',
  'x-last-death-exchange',
];

/** Every header the broker owns for dead-lettering; a copy that drops a malformed set drops these. */
export const DEATH_HEADERS = ['x-death', ...DEATH_STRING_HEADERS];

/** One `x-death` entry as amqplib decodes it. */
export interface DeathEntry {
  queue: string;
  reason: string;
  count: number;
  exchange: string;
  'routing-keys': string[];
  time?: { '!': 'timestamp'; value: number };
}

function isTimestamp(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { '!'?: unknown })['!'] === 'timestamp' &&
    Number.isInteger((value as { value?: unknown }).value)
  );
}

/** What is wrong with one `x-death` entry, or undefined when it has the broker's own shape. */
function deathEntryProblem(entry: unknown, index: number): string | undefined {
  if (
    typeof entry !== 'object' ||
    entry === null ||
    Array.isArray(entry) ||
    Buffer.isBuffer(entry)
  ) {
    return `x-death[${index}] is not a table`;
  }
  const { queue, reason, count, exchange, time } = entry as Record<string, unknown>;
  const routingKeys = (entry as Record<string, unknown>)['routing-keys'];
  if (typeof queue !== 'string') {
    return `x-death[${index}].queue is not a string`;
  }
  if (typeof reason !== 'string' || !DEATH_REASONS.has(reason)) {
    return `x-death[${index}].reason is not one of ${[...DEATH_REASONS].join(', ')}`;
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    return `x-death[${index}].count is not a non-negative integer`;
  }
  if (typeof exchange !== 'string') {
    return `x-death[${index}].exchange is not a string`;
  }
  if (!Array.isArray(routingKeys) || !routingKeys.every((key) => typeof key === 'string')) {
    return `x-death[${index}].routing-keys is not an array of strings`;
  }
  if (time !== undefined && !isTimestamp(time)) {
    return `x-death[${index}].time is not a timestamp`;
  }
  return undefined;
}

/**
 * What is wrong with the broker's dead-lettering headers of a delivery, or undefined when they are
 * absent or have the broker's own shape. A publisher can forge them; RabbitMQ 3.x then reads them
 * when it dead-letters the message itself (delivery limit, TTL), and a malformed `x-death` has
 * crashed its at-least-once dead-letter worker. Such a message is moved to our dead-letter queue at
 * its first delivery, with the headers set aside, before the broker ever has to read them.
 */
export function deathHeadersProblem(headers: Record<string, unknown>): string | undefined {
  const death = headers['x-death'];
  if (death !== undefined) {
    if (!Array.isArray(death)) {
      return 'x-death is not an array';
    }
    for (const [index, entry] of death.entries()) {
      const problem = deathEntryProblem(entry, index);
      if (problem) {
        return problem;
      }
    }
  }
  for (const name of DEATH_STRING_HEADERS) {
    const value = headers[name];
    if (value !== undefined && typeof value !== 'string') {
      return `${name} is not a string`;
    }
  }
  return undefined;
}

/** The most recent dead-lettering of a delivery: RabbitMQ keeps `x-death` newest first. */
export function lastDeath(headers: Record<string, unknown>): DeathEntry | undefined {
  const death = headers['x-death'];
  return Array.isArray(death) && deathEntryProblem(death[0], 0) === undefined
    ? (death[0] as DeathEntry)
    : undefined;
}

/** The attempt number of a delivery, or why its attempt header cannot be read. */
export type AttemptReading = { attempt: number } | { problem: string };

/**
 * Which attempt this delivery is. `x-attempt` is ours: the consumer writes it on the copy it sends to
 * a delay queue, so it is believed only on a delivery that comes back from one of `retryQueues`
 * (the broker's `x-death` says the message expired there). Anywhere else — a first delivery, a
 * replay, a message whose publisher copied or forged the header — it is attempt 1, so a header
 * cannot take a message's retries away. A value that is not a positive integer is malformed.
 */
export function readAttempt(
  headers: Record<string, unknown>,
  isRetryQueue: (queue: string) => boolean,
): AttemptReading {
  const raw = headers[MessageHeaders.Attempt];
  if (raw === undefined) {
    return { attempt: 1 };
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) {
    return { problem: `${MessageHeaders.Attempt} is not a positive integer` };
  }
  const death = lastDeath(headers);
  const fromRetryQueue = death?.reason === 'expired' && isRetryQueue(death.queue);
  return { attempt: fromRetryQueue ? raw : 1 };
}
