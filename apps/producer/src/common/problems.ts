import {
  BrokerUnavailableError,
  MessagingError,
  PublishRejectedError,
  RemoteHandlerError,
  RequestTimeoutError,
  UnroutableMessageError,
} from '@app/messaging';
import { DatabaseUnavailableError } from '@app/persistence';
import {
  onError,
  problemType,
  ProblemTypes,
  statusProblem,
  unavailable,
  validationProblem,
  type Problem,
  type ProblemRule,
} from '@app/platform/http';
import type { FieldError } from '@app/platform';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from '../orders/order.errors';

/** The producer's own problem kinds (the shared ones are in `ProblemTypes`). */
export const ProducerProblemTypes = {
  /** 409 + Retry-After: a request with this Idempotency-Key is still being handled. */
  IdempotencyKeyInProgress: problemType(
    'idempotency-key-in-progress',
    409,
    'A request with this Idempotency-Key is still in progress',
  ),
  /** 422: the Idempotency-Key was used before with another body. */
  IdempotencyKeyReused: problemType(
    'idempotency-key-reused',
    422,
    'The Idempotency-Key was already used with a different request',
  ),
  /** 409: the order was rejected, so there is nothing to cancel. */
  OrderNotCancellable: problemType('order-not-cancellable', 409, 'The order cannot be cancelled'),
} as const;

const NO_CONSUMER = 'No service is ready to take this message; retry later';

/** A consumer's error reply: its input validation is the client's 400, anything else a 502. */
function remoteHandlerProblem(error: RemoteHandlerError): Problem {
  if (error.code === 'VALIDATION_FAILED' && Array.isArray(error.details)) {
    return validationProblem(error.details as FieldError[], error.omitted ?? 0);
  }
  return {
    type: ProblemTypes.UpstreamFailed,
    detail: 'The downstream service failed to handle the request',
  };
}

/**
 * What the producer's own errors answer, in order (the first rule whose class matches wins; put a
 * subclass before its base class). A new error class is one line here, e.g.
 * `onError(SomeDependencyError, (e) => unavailable(e.message)),` for a 503 with Retry-After.
 * Errors not listed fall through to the shared mapping (HttpExceptions, validation, Fastify's
 * errors) and, failing that, to a logged 500.
 */
export const PRODUCER_PROBLEMS: readonly ProblemRule[] = [
  onError(BrokerUnavailableError, (e) =>
    unavailable('The message broker is unavailable; retry later', e.retryAfterSeconds),
  ),
  onError(DatabaseUnavailableError, () =>
    unavailable('The database is unavailable; nothing was stored, retry later'),
  ),
  onError(OrderNotFoundError, (e) => statusProblem(404, e.message)),
  onError(OrderNotCancellableError, (e) => ({
    type: ProducerProblemTypes.OrderNotCancellable,
    detail: e.message,
  })),
  onError(UnroutableMessageError, () => unavailable(NO_CONSUMER)),
  onError(PublishRejectedError, () => unavailable(NO_CONSUMER)),
  onError(RequestTimeoutError, (e) => ({
    type: ProblemTypes.UpstreamTimeout,
    detail: `No reply within ${e.timeoutMs} ms`,
  })),
  onError(RemoteHandlerError, remoteHandlerProblem),
  onError(IdempotencyKeyInProgressError, (e) => ({
    type: ProducerProblemTypes.IdempotencyKeyInProgress,
    detail: e.message,
    retryAfterSeconds: 1,
  })),
  onError(IdempotencyKeyReusedError, (e) => ({
    type: ProducerProblemTypes.IdempotencyKeyReused,
    detail: e.message,
  })),
  // Any other messaging failure: the other side failed.
  onError(MessagingError, () => ({
    type: ProblemTypes.UpstreamFailed,
    detail: 'The downstream service failed to handle the request',
  })),
];
