import type { Message } from 'amqplib';
import { MessageHeaders } from '@app/messaging';
import { toDetail, toSummary } from './dead-letter.view';

function deadLetter(
  content: Buffer | string,
  properties: Record<string, unknown> = {},
  headers: Record<string, unknown> = {},
): Message {
  return {
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'consumer.dlq' },
    properties: { headers, ...properties },
  } as unknown as Message;
}

const failedByConsumer = {
  [MessageHeaders.Attempt]: 3,
  [MessageHeaders.ErrorName]: 'UnroutableMessageError',
  [MessageHeaders.ErrorMessage]: 'No queue is bound to routing key "order.processed.v1"',
  [MessageHeaders.FirstFailureAt]: '2026-11-29T10:00:00.000Z',
  [MessageHeaders.LastFailureAt]: '2026-11-29T10:00:01.000Z',
  [MessageHeaders.OriginalExchange]: 'events',
  [MessageHeaders.OriginalRoutingKey]: 'order.placed.v1',
  [MessageHeaders.OriginalQueue]: 'consumer',
  'x-delivery-count': 2,
};

describe(toSummary.name, () => {
  it('reports the reason the consumer recorded and a preview of the body', () => {
    const body = JSON.stringify({ pattern: 'order.placed.v1', data: { orderId: 'o-1' } });
    const summary = toSummary(
      deadLetter(body, { messageId: 'm-1', timestamp: 1_796_000_000 }, failedByConsumer),
    );
    expect(summary).toEqual({
      messageId: 'm-1',
      routingKey: 'order.placed.v1',
      pattern: 'order.placed.v1',
      exchange: 'events',
      error: {
        name: 'UnroutableMessageError',
        message: 'No queue is bound to routing key "order.processed.v1"',
        code: null,
      },
      deathReason: null,
      attempts: 3,
      firstFailureAt: '2026-11-29T10:00:00.000Z',
      lastFailureAt: '2026-11-29T10:00:01.000Z',
      replayedAt: null,
      publishedAt: new Date(1_796_000_000_000).toISOString(),
      deliveryCount: 2,
      sizeBytes: Buffer.byteLength(body),
      bodyPreview: body,
    });
  });

  it('falls back to x-death when the broker dead-lettered it, and shows no messageId as null', () => {
    const summary = toSummary(
      deadLetter(
        'x'.repeat(1_000),
        { messageId: '' },
        {
          'x-first-death-reason': 'expired',
          'x-death': [
            { queue: 'consumer', reason: 'delivery_limit', exchange: 'events', count: 1 },
            {
              queue: 'consumer.retry.200ms',
              reason: 'expired',
              exchange: 'events',
              'routing-keys': ['order.placed.v1'],
              count: 1,
            },
          ],
        },
      ),
    );
    expect(summary).toMatchObject({
      messageId: null,
      routingKey: 'order.placed.v1',
      pattern: 'order.placed.v1',
      exchange: 'events',
      deathReason: 'delivery_limit',
      attempts: null,
      error: { name: null, message: null, code: null },
    });
    expect(summary.bodyPreview).toHaveLength(200);
  });
});

describe('toSummary of a message the consumer dead-lettered after retries', () => {
  it('gives its error, not the expiries of the retry delays, as the reason', () => {
    const summary = toSummary(
      deadLetter(
        '{}',
        {},
        {
          ...failedByConsumer,
          'x-first-death-reason': 'expired',
          'x-death': [{ queue: 'consumer.retry.200ms', reason: 'expired', count: 2 }],
        },
      ),
    );
    expect(summary.deathReason).toBeNull();
    expect(summary.error.name).toBe('UnroutableMessageError');
  });
});

describe(toDetail.name, () => {
  it('decodes a JSON body and makes AMQP header values JSON-friendly', () => {
    const detail = toDetail(
      deadLetter(
        JSON.stringify({ pattern: 'p', data: { a: 1 } }),
        { messageId: 'm-2', contentType: 'application/json', correlationId: undefined },
        {
          ...failedByConsumer,
          'x-bytes': Buffer.from([0xff, 0x00]),
          'x-death': [{ time: { '!': 'timestamp', value: 1_796_000_000 } }],
        },
      ),
    );
    expect(detail.bodyEncoding).toBe('json');
    expect(detail.body).toEqual({ pattern: 'p', data: { a: 1 } });
    expect(detail.properties).toEqual({ messageId: 'm-2', contentType: 'application/json' });
    expect(detail.headers).toMatchObject({
      [MessageHeaders.ErrorName]: 'UnroutableMessageError',
      'x-bytes': Buffer.from([0xff, 0x00]).toString('base64'),
      'x-death': [{ time: new Date(1_796_000_000_000).toISOString() }],
    });
  });

  it('shows a non-JSON body as text, and a binary one as base64', () => {
    expect(toDetail(deadLetter('{not json'))).toMatchObject({
      bodyEncoding: 'utf8',
      body: '{not json',
      pattern: null,
    });
    expect(toDetail(deadLetter(Buffer.from([0xc3, 0x28])))).toMatchObject({
      bodyEncoding: 'base64',
      body: Buffer.from([0xc3, 0x28]).toString('base64'),
    });
  });
});
