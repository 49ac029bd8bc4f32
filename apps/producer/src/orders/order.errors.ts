/** An Idempotency-Key came back with a different request body (422). */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';

  constructor(readonly key: string) {
    super('This Idempotency-Key was already used with a different request body');
  }
}

/** A request with the same Idempotency-Key is still being handled (409 + Retry-After). */
export class IdempotencyKeyInProgressError extends Error {
  override readonly name = 'IdempotencyKeyInProgressError';

  constructor(readonly key: string) {
    super('A request with this Idempotency-Key is still in progress; retry shortly');
  }
}

/** The producer never accepted an order with this id (404). */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';

  constructor(readonly orderId: string) {
    super(`Order ${orderId} is unknown`);
  }
}

/** The order was rejected by the consumer: there is nothing to cancel (409). */
export class OrderNotCancellableError extends Error {
  override readonly name = 'OrderNotCancellableError';

  constructor(
    readonly orderId: string,
    readonly reason: string | null,
  ) {
    super(
      `Order ${orderId} was rejected${reason ? ` (${reason})` : ''}; there is nothing to cancel`,
    );
  }
}
