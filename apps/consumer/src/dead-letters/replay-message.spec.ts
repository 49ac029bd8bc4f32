import type { Message } from 'amqplib';
import { MessageHeaders } from '@app/messaging';
import { replayProperties } from './replay-message';

const NOW = new Date('2026-11-30T08:00:00.000Z');

function deadLetter(properties: Record<string, unknown>): Message {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'consumer.dlq' },
    properties,
  } as unknown as Message;
}

describe(replayProperties.name, () => {
  it('keeps the properties and failure history, restarts the attempts and stamps the replay', () => {
    const properties = replayProperties(
      deadLetter({
        messageId: 'm-1',
        correlationId: 'c-1',
        contentType: 'application/json',
        appId: 'producer',
        type: 'order.placed.v1',
        timestamp: 1_796_000_000,
        deliveryMode: 2,
        userId: 'guest',
        headers: {
          'x-causation-id': 'cause',
          [MessageHeaders.Attempt]: 5,
          [MessageHeaders.ErrorName]: 'UnroutableMessageError',
          [MessageHeaders.FirstFailureAt]: '2026-11-29T10:00:00.000Z',
          [MessageHeaders.OriginalRoutingKey]: 'order.placed.v1',
          'x-delivery-count': 4,
        },
      }),
      NOW,
    );
    expect(properties).toEqual({
      messageId: 'm-1',
      correlationId: 'c-1',
      contentType: 'application/json',
      appId: 'producer',
      type: 'order.placed.v1',
      timestamp: 1_796_000_000,
      persistent: true,
      mandatory: true,
      headers: {
        'x-causation-id': 'cause',
        [MessageHeaders.Attempt]: 1,
        [MessageHeaders.ReplayedAt]: NOW.toISOString(),
        [MessageHeaders.ErrorName]: 'UnroutableMessageError',
        [MessageHeaders.FirstFailureAt]: '2026-11-29T10:00:00.000Z',
        [MessageHeaders.OriginalRoutingKey]: 'order.placed.v1',
        [MessageHeaders.OriginalUserId]: 'guest',
      },
    });
  });

  it('moves an expiration and a priority into headers, so the replayed copy neither expires nor jumps the queue', () => {
    const properties = replayProperties(
      deadLetter({ messageId: 'm-2', expiration: '60000', priority: 9, headers: {} }),
      NOW,
    );
    expect(properties).not.toHaveProperty('expiration');
    expect(properties).not.toHaveProperty('priority');
    expect(properties.headers).toMatchObject({
      [MessageHeaders.OriginalExpiration]: '60000',
      [MessageHeaders.OriginalPriority]: 9,
    });
  });

  it('replaces a header value amqplib cannot encode again by its readable form, and says so', () => {
    const properties = replayProperties(
      deadLetter({ messageId: 'm-3', headers: { 'x-huge': -1e300, 'x-fine': 'ok' } }),
      NOW,
    );
    expect(properties.headers).toMatchObject({
      'x-huge': '-1e+300',
      'x-fine': 'ok',
      [MessageHeaders.ReplacedHeaders]: [expect.stringMatching(/^x-huge: /)],
    });
  });

  it('recovers the original routing key from x-death for a message the broker dead-lettered', () => {
    const properties = replayProperties(
      deadLetter({
        headers: { 'x-death': [{ queue: 'consumer', 'routing-keys': ['order.placed.v1'] }] },
      }),
      NOW,
    );
    expect(properties.headers).toMatchObject({
      [MessageHeaders.OriginalRoutingKey]: 'order.placed.v1',
      [MessageHeaders.Attempt]: 1,
    });
  });
});
