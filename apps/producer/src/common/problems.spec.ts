import { ThrottlerException } from '@nestjs/throttler';
import {
  BrokerUnavailableError,
  MessageEncodingError,
  PublishRejectedError,
  RemoteHandlerError,
  RequestTimeoutError,
  UnroutableMessageError,
} from '@app/messaging';
import type { Problem } from '@app/platform/http';
import { DatabaseUnavailableError } from '@app/persistence';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from '../orders/order.errors';
import { PRODUCER_PROBLEMS } from './problems';

/** The problem the first matching rule gives, as the filter picks it. */
function problemOf(error: unknown): Problem | undefined {
  for (const rule of PRODUCER_PROBLEMS) {
    const problem = rule(error);
    if (problem) {
      return problem;
    }
  }
  return undefined;
}

const slug = (problem: Problem | undefined) => problem?.type.type.replace(/^.*\//, '');

describe('PRODUCER_PROBLEMS', () => {
  it.each([
    ['the broker away', new BrokerUnavailableError(2_000, 7), 503, 'service-unavailable', 7],
    ['the database away', new DatabaseUnavailableError(), 503, 'service-unavailable', 5],
    ['an unknown order', new OrderNotFoundError('o-1'), 404, 'about:blank', undefined],
    [
      'a rejected order to cancel',
      new OrderNotCancellableError('o-1', 'too many items'),
      409,
      'order-not-cancellable',
      undefined,
    ],
    ['no queue bound', new UnroutableMessageError('events', 'x'), 503, 'service-unavailable', 5],
    ['a refused publish', new PublishRejectedError('events', 'x'), 503, 'service-unavailable', 5],
    [
      'no reply',
      new RequestTimeoutError('order.quote.v1', 5_000),
      504,
      'upstream-timeout',
      undefined,
    ],
    [
      'a failed remote handler',
      new RemoteHandlerError('order.quote.v1', { name: 'TypeError', message: 'x' }),
      502,
      'upstream-failed',
      undefined,
    ],
    [
      'another messaging failure',
      new MessageEncodingError('x', 'too big'),
      502,
      'upstream-failed',
      undefined,
    ],
    [
      'a key in flight',
      new IdempotencyKeyInProgressError('k'),
      409,
      'idempotency-key-in-progress',
      1,
    ],
    ['a reused key', new IdempotencyKeyReusedError('k'), 422, 'idempotency-key-reused', undefined],
  ])('answers %s with its status, kind and Retry-After', (_, error, status, type, retryAfter) => {
    const problem = problemOf(error);

    expect([problem?.type.status, slug(problem), problem?.retryAfterSeconds]).toEqual([
      status,
      type,
      retryAfter,
    ]);
  });

  it("relays the consumer's validation failure as the client's 400, with its fields", () => {
    const details = [{ field: 'couponCode', errors: ['unknown coupon'] }];
    const problem = problemOf(
      new RemoteHandlerError('order.quote.v1', {
        name: 'PayloadValidationError',
        message: 'Invalid payload',
        code: 'VALIDATION_FAILED',
        details,
        omitted: 2,
      }),
    );

    expect(problem).toMatchObject({ type: { status: 400 }, errors: details, omittedErrors: 2 });
    expect(slug(problem)).toBe('validation-failed');
  });

  it("leaves HTTP exceptions (the throttler's 429, …) to the shared mapping", () => {
    expect(problemOf(new ThrottlerException())).toBeUndefined();
  });
});
