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
  /**
   * The business flow's correlation id on a request, whose `correlationId` property is the request's
   * own id (the AMQP convention a reply is matched by).
   */
  CorrelationId: 'x-correlation-id',
  /** Set on a dead letter that an operator sent back to the work queue. */
  ReplayedAt: 'x-replayed-at',
  /**
   * Properties a copy must not carry (the broker would enforce them on it), moved into headers when
   * a delivery is copied to a delay queue, the dead-letter queue or back to the work queue.
   */
  OriginalUserId: 'x-original-user-id',
  OriginalExpiration: 'x-original-expiration',
  OriginalPriority: 'x-original-priority',
  /** Headers of a copy that could not be sent as they were (`name: reason` each). */
  ReplacedHeaders: 'x-replaced-headers',
  /** The broker's dead-lettering headers a delivery arrived with when they were malformed. */
  RemovedDeathHeaders: 'x-removed-death-headers',
  /**
   * An id given to a message whose publisher set no messageId, when it is first copied (to a delay
   * queue or the dead-letter queue), so its copies and its dead letter can be addressed.
   */
  AssignedMessageId: 'x-assigned-message-id',
} as const;

/** Content type of every body this layer publishes. */
export const JSON_CONTENT_TYPE = 'application/json';
