/** Names of the AMQP headers this layer reads and writes; part of the wire contract with other services. */
export const MessageHeaders = {
  /** 1 on first delivery, incremented each time the consumer schedules a retry. */
  Attempt: 'x-attempt',
  FirstFailureAt: 'x-first-failure-at',
  LastFailureAt: 'x-last-failure-at',
  ErrorName: 'x-error-name',
  ErrorMessage: 'x-error-message',
  ErrorCode: 'x-error-code',
  OriginalExchange: 'x-original-exchange',
  OriginalRoutingKey: 'x-original-routing-key',
  OriginalQueue: 'x-original-queue',
  /** The messageId of the message whose handler published this one. */
  CausationId: 'x-causation-id',
  /** Set on a dead letter that an operator sent back to the work queue. */
  ReplayedAt: 'x-replayed-at',
} as const;

/** Content type of every body this layer publishes. */
export const JSON_CONTENT_TYPE = 'application/json';
