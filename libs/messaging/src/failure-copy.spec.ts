import type { ConsumeMessage } from 'amqplib';
import { copyProperties, decideFailure, failureHeaders } from './failure-copy';
import { MessageHeaders } from './message-headers';
import { NonRetryableError } from './messaging.errors';

const policy = { maxAttempts: 3, initialDelayMs: 100, multiplier: 2 };

function delivery(properties: Record<string, unknown>): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: 'events',
      routingKey: 'order.placed.v1',
      consumerTag: 't',
    },
    properties: { headers: {}, ...properties },
  } as unknown as ConsumeMessage;
}

describe(decideFailure.name, () => {
  it('retries a transient failure with a growing delay while attempts are left', () => {
    expect(decideFailure(new Error('flaky'), 1, policy)).toEqual({
      action: 'retry',
      attempt: 1,
      nextAttempt: 2,
      delayMs: 100,
    });
    expect(decideFailure(new Error('flaky'), 2, policy)).toMatchObject({ delayMs: 200 });
  });

  it('dead-letters on the last attempt', () => {
    expect(decideFailure(new Error('flaky'), 3, policy)).toEqual({
      action: 'dead-letter',
      attempt: 3,
    });
  });

  it('dead-letters a permanent failure at once', () => {
    expect(decideFailure(new NonRetryableError('bad'), 1, policy)).toEqual({
      action: 'dead-letter',
      attempt: 1,
    });
  });
});

describe(copyProperties.name, () => {
  it('moves userId, expiration and priority into headers instead of copying them', () => {
    const copy = copyProperties(
      delivery({ messageId: 'm', userId: 'mallory', expiration: '5000', priority: 7 }),
      { headers: {} },
    );

    expect(copy).not.toHaveProperty('userId');
    expect(copy).not.toHaveProperty('expiration');
    expect(copy).not.toHaveProperty('priority');
    expect(copy.headers).toMatchObject({
      [MessageHeaders.OriginalUserId]: 'mallory',
      [MessageHeaders.OriginalExpiration]: '5000',
      [MessageHeaders.OriginalPriority]: 7,
    });
    expect(copy).toMatchObject({ messageId: 'm', persistent: true });
  });

  it('drops the broker delivery counters and, on request, malformed dead-lettering headers', () => {
    const copy = copyProperties(
      delivery({
        messageId: 'm',
        headers: { 'x-delivery-count': 3, 'x-death': 'forged', 'x-first-death-queue': 7, keep: 1 },
      }),
      { headers: {}, dropDeathHeaders: true },
    );

    expect(copy.headers).toEqual({
      keep: 1,
      [MessageHeaders.RemovedDeathHeaders]: '{"x-death":"forged","x-first-death-queue":7}',
    });
  });

  it('gives a message without a messageId an assigned id in a header, and keeps it on later copies', () => {
    const first = copyProperties(delivery({}), { headers: {} });
    const assigned = (first.headers as Record<string, unknown>)[MessageHeaders.AssignedMessageId];
    expect(assigned).toEqual(expect.any(String));
    expect(first).not.toHaveProperty('messageId');

    const second = copyProperties(delivery({ headers: first.headers }), { headers: {} });
    expect((second.headers as Record<string, unknown>)[MessageHeaders.AssignedMessageId]).toBe(
      assigned,
    );
  });
});

describe(failureHeaders.name, () => {
  it('records the error, the times and where the message came from, keeping the first failure', () => {
    const now = new Date('2026-12-04T10:00:00.000Z');
    const headers = failureHeaders(
      delivery({ headers: { [MessageHeaders.FirstFailureAt]: '2026-12-04T09:00:00.000Z' } }),
      new NonRetryableError('bad'),
      2,
      'orders',
      now,
    );

    expect(headers).toEqual({
      [MessageHeaders.FirstFailureAt]: '2026-12-04T09:00:00.000Z',
      [MessageHeaders.LastFailureAt]: now.toISOString(),
      [MessageHeaders.ErrorName]: 'NonRetryableError',
      [MessageHeaders.ErrorMessage]: 'bad',
      [MessageHeaders.ErrorCode]: 'NON_RETRYABLE',
      [MessageHeaders.OriginalExchange]: 'events',
      [MessageHeaders.OriginalRoutingKey]: 'order.placed.v1',
      [MessageHeaders.OriginalQueue]: 'orders',
      [MessageHeaders.Attempt]: 2,
    });
  });
});
