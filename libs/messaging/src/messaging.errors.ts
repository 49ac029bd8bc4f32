import type { ValidationError } from 'class-validator';
import { DatabaseUnavailableError } from '@app/persistence';
import { reportedFieldErrors, type FieldError } from '@app/platform';

/** The wire shape of an error sent back to a requester, so callers can map it without parsing prose. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
  /** Validation errors beyond those in `details`. */
  omitted?: number;
}

/** Base class of errors the messaging layer raises, so callers can tell them from their own. */
export abstract class MessagingError extends Error {}

/** The broker could not be reached within the bounded wait; nothing was published, so retrying later is safe. */
export class BrokerUnavailableError extends MessagingError {
  override readonly name = 'BrokerUnavailableError';

  constructor(
    readonly waitedMs: number,
    readonly retryAfterSeconds = 5,
  ) {
    super(`RabbitMQ is unavailable (waited ${waitedMs} ms for a connection)`);
  }
}

/**
 * The broker refused the connection itself: the login (wrong user or password, ACCESS_REFUSED) or
 * the virtual host (missing, or the user has no permissions on it, NOT_ALLOWED). Reconnecting
 * cannot help until RABBITMQ_URL or the broker's users change, so it says, in words a person can
 * act on, which user and vhost, and what to check; never the password.
 */
export class BrokerRefusedError extends MessagingError {
  override readonly name = 'BrokerRefusedError';

  constructor(
    readonly refused: 'login' | 'vhost',
    readonly user: string,
    readonly vhost: string,
    /** The broker's URL, password masked. */
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(
      refused === 'login'
        ? `RabbitMQ refused the login for user ${user} at ${url} (check RABBITMQ_URL's user ` +
            'and password)'
        : `RabbitMQ refused access to vhost ${vhost} for user ${user} at ${url} (the vhost does ` +
            `not exist, or ${user} has no permissions on it: check the vhost in RABBITMQ_URL's ` +
            `path, or grant them with rabbitmqctl set_permissions -p ${vhost} ${user} ...)`,
      options,
    );
  }
}

/** The broker routed a mandatory publish to no queue: nobody subscribes to that routing key. */
export class UnroutableMessageError extends MessagingError {
  override readonly name = 'UnroutableMessageError';

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`No queue is bound to routing key "${routingKey}" on exchange "${exchange}"`);
  }
}

/** The broker refused a publish (basic.nack), typically because a queue is full or failed internally. */
export class PublishRejectedError extends MessagingError {
  override readonly name = 'PublishRejectedError';

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`The broker rejected the message for routing key "${routingKey}" on "${exchange}"`);
  }
}

/** No reply arrived in time; the request may or may not have been handled. */
export class RequestTimeoutError extends MessagingError {
  override readonly name = 'RequestTimeoutError';

  constructor(
    readonly pattern: string,
    readonly timeoutMs: number,
  ) {
    super(`No reply to "${pattern}" within ${timeoutMs} ms`);
  }
}

/** The remote handler answered a request with an error; carries its name, code and details. */
export class RemoteHandlerError extends MessagingError {
  override readonly name = 'RemoteHandlerError';
  readonly remoteName: string;
  readonly code?: string;
  readonly details?: unknown;
  readonly omitted?: number;

  constructor(
    readonly pattern: string,
    remote: SerializedError,
  ) {
    super(`"${pattern}" failed remotely: ${remote.name}: ${remote.message}`);
    this.remoteName = remote.name;
    this.code = remote.code;
    this.details = remote.details;
    this.omitted = typeof remote.omitted === 'number' ? remote.omitted : undefined;
  }
}

/**
 * amqplib could not encode a publish (a header value it cannot write, a table too large for its
 * buffer): nothing was sent, and sending the same message again can never work.
 */
export class MessageEncodingError extends MessagingError {
  override readonly name = 'MessageEncodingError';
  /** Permanent: a handler that throws it is dead-lettered, not retried. */
  readonly retryable = false;
  readonly code = 'MESSAGE_ENCODING';

  constructor(
    readonly routingKey: string,
    reason: string,
  ) {
    super(`The message for routing key "${routingKey}" cannot be encoded: ${reason}`);
  }
}

/**
 * Something a handler needs besides its message (the de-duplication store, the broker connection
 * its follow-up messages go out on, a database) is unreachable. Not the message's fault: the
 * consumer pauses and tries the delivery again when the dependency is back, without using up
 * one of the message's attempts.
 */
export class DependencyUnavailableError extends MessagingError {
  override readonly name = 'DependencyUnavailableError';

  constructor(
    readonly dependency: string,
    options?: ErrorOptions,
  ) {
    super(
      `${dependency} is unavailable` +
        (options?.cause instanceof Error ? ` (${options.cause.message})` : ''),
      options,
    );
  }
}

/**
 * The service's handlers do not match the contract registry: a contract it must handle has no
 * handler, or it handles a pattern the registry does not give it. Found at start-up, not when the
 * first message of that kind is dead-lettered as unhandled.
 */
export class HandlerRegistryMismatchError extends MessagingError {
  override readonly name = 'HandlerRegistryMismatchError';

  constructor(
    readonly missing: string[],
    readonly unexpected: string[],
  ) {
    super(
      'The handlers do not match the contract registry: ' +
        [
          missing.length > 0 ? `no handler for ${missing.join(', ')}` : '',
          unexpected.length > 0
            ? `handlers for patterns the registry does not give this service: ${unexpected.join(', ')}`
            : '',
        ]
          .filter(Boolean)
          .join('; '),
    );
  }
}

/** Declaring a queue failed because it exists with other arguments; says what differs and how to fix it. */
export class TopologyMismatchError extends MessagingError {
  override readonly name = 'TopologyMismatchError';

  constructor(
    readonly queue: string,
    readonly brokerMessage: string,
  ) {
    super(
      `Queue "${queue}" already exists with different arguments (${brokerMessage}). ` +
        `Either configure this service to match the existing queue (e.g. RABBITMQ_QUEUE_TYPE), ` +
        `or drain and delete it (rabbitmqctl delete_queue ${queue}) so it can be declared again, ` +
        `or use another queue name (RABBITMQ_QUEUE).`,
    );
  }
}

/**
 * Thrown by a handler for a failure that will not go away by retrying (bad data, a broken invariant):
 * the message is dead-lettered at once instead of being retried.
 */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
  /** Marks the error as permanent for the consumer's failure classification. */
  readonly retryable = false;
  /** Machine-readable reason sent to requesters and stored on dead-lettered messages. */
  readonly code: string = 'NON_RETRYABLE';
}

/** A message body that is not a JSON object with a string `pattern`; it can never be handled. */
export class MalformedMessageError extends NonRetryableError {
  override name = 'MalformedMessageError';
  override readonly code = 'MALFORMED_MESSAGE';
}

/** A header the messaging layer reads (its own, or the broker's dead-lettering ones) is malformed. */
export class MalformedHeaderError extends NonRetryableError {
  override name = 'MalformedHeaderError';
  override readonly code = 'MALFORMED_HEADER';
}

/** A message on a queue that is not for its kind, e.g. an event (no reply_to) on a request queue. */
export class MisroutedMessageError extends NonRetryableError {
  override name = 'MisroutedMessageError';
  override readonly code = 'MISROUTED';
}

/** No handler is registered for the message's pattern in this service. */
export class NoHandlerError extends NonRetryableError {
  override name = 'NoHandlerError';
  override readonly code = 'NO_HANDLER';

  constructor(readonly pattern: string) {
    super(`No handler for pattern "${pattern}"`);
  }
}

/** A payload failed its contract's validation; lists the wrong fields (at most MAX_REPORTED_ERRORS). */
export class PayloadValidationError extends NonRetryableError {
  override name = 'PayloadValidationError';
  override readonly code = 'VALIDATION_FAILED';

  constructor(
    readonly fields: FieldError[],
    /** Wrong fields beyond those listed. */
    readonly omitted = 0,
  ) {
    super(
      `Invalid payload: ${fields.map((f) => `${f.field} (${f.errors.join('; ')})`).join(', ')}` +
        (omitted > 0 ? `, and ${omitted} more` : ''),
    );
  }

  /** Flattens class-validator's nested errors into dotted field paths (`items.0.quantity`). */
  static fromValidationErrors(errors: ValidationError[]): PayloadValidationError {
    const { fields, omitted } = reportedFieldErrors(errors);
    return new PayloadValidationError(fields, omitted);
  }
}

/**
 * The dependency a failure is about, when it is an infrastructure failure rather than the message's
 * or the handler's: then the delivery waits for the dependency instead of using up an attempt.
 */
export function unavailableDependency(error: unknown): string | undefined {
  if (error instanceof DependencyUnavailableError || error instanceof DatabaseUnavailableError) {
    return error.dependency;
  }
  // A follow-up publish that found no broker connection in time.
  return error instanceof BrokerUnavailableError ? 'RabbitMQ (publishing)' : undefined;
}

/** Whether retrying could help: anything not explicitly marked permanent is treated as transient. */
export function isRetryable(error: unknown): boolean {
  return !(
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}

/** Turns any thrown value into the wire shape sent to requesters and stored on dead letters. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof PayloadValidationError) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      details: error.fields,
      ...(error.omitted > 0 ? { omitted: error.omitted } : {}),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  if (typeof error === 'object' && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return {
      name: 'Error',
      message: typeof message === 'string' ? message : JSON.stringify(error),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}
