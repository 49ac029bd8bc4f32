import type { ValidationError } from 'class-validator';

/** The wire shape of an error sent back to a requester, so callers can map it without parsing prose. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
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

  constructor(
    readonly pattern: string,
    remote: SerializedError,
  ) {
    super(`"${pattern}" failed remotely: ${remote.name}: ${remote.message}`);
    this.remoteName = remote.name;
    this.code = remote.code;
    this.details = remote.details;
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

/** No handler is registered for the message's pattern in this service. */
export class NoHandlerError extends NonRetryableError {
  override name = 'NoHandlerError';
  override readonly code = 'NO_HANDLER';

  constructor(readonly pattern: string) {
    super(`No handler for pattern "${pattern}"`);
  }
}

/** One invalid field of a payload, with the rules it broke. */
export interface FieldError {
  field: string;
  errors: string[];
}

/** A payload failed its contract's validation; lists every wrong field. */
export class PayloadValidationError extends NonRetryableError {
  override name = 'PayloadValidationError';
  override readonly code = 'VALIDATION_FAILED';

  constructor(readonly fields: FieldError[]) {
    super(
      `Invalid payload: ${fields.map((f) => `${f.field} (${f.errors.join('; ')})`).join(', ')}`,
    );
  }

  /** Flattens class-validator's nested errors into dotted field paths (`items.0.quantity`). */
  static fromValidationErrors(errors: ValidationError[]): PayloadValidationError {
    return new PayloadValidationError(flattenValidationErrors(errors));
  }
}

/** Flattens class-validator's tree of errors into one entry per invalid field path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
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
    return { name: error.name, message: error.message, code: error.code, details: error.fields };
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
