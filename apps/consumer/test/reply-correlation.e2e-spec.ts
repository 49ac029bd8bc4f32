import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage, Options } from 'amqplib';
import { RequestPatterns } from '@app/contracts';
import { connectBroker, waitFor } from '@app/testing';
import { ConsumerUnderTest } from './interop/consumer-under-test';

const A_QUOTE = { items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 1_000 }], currency: 'EUR' };

// #14 point 1, as any AMQP RPC client sees it: which id a reply carries, and in which format.
describe('Replies to requests from a plain AMQP client', () => {
  let consumer: ConsumerUnderTest;
  let connection: ChannelModel;
  let channel: Channel;
  const replies: ConsumeMessage[] = [];

  beforeAll(async () => {
    consumer = await ConsumerUnderTest.start('reply-correlation');
    connection = await connectBroker();
    channel = await connection.createChannel();
    await channel.consume('amq.rabbitmq.reply-to', (msg) => msg && replies.push(msg), {
      noAck: true,
    });
  });

  afterAll(async () => {
    await connection?.close();
    await consumer?.close();
  });

  /** Sends a request and returns the reply that came back for it (matched by its message id). */
  async function request(body: unknown, properties: Options.Publish): Promise<ConsumeMessage> {
    const before = replies.length;
    channel.publish(
      consumer.exchange,
      RequestPatterns.OrderQuote,
      Buffer.from(JSON.stringify(body)),
      {
        replyTo: 'amq.rabbitmq.reply-to',
        contentType: 'application/json',
        ...properties,
      },
    );
    return waitFor(() => replies[before], { description: 'the reply' });
  }

  it("carries the request's correlation_id, whatever its message_id", async () => {
    const correlationId = randomUUID();

    const reply = await request(A_QUOTE, { correlationId, messageId: randomUUID() });

    expect(reply.properties.correlationId).toBe(correlationId);
  });

  it("carries the request's message_id when it has no correlation_id", async () => {
    const messageId = randomUUID();

    const reply = await request(A_QUOTE, { messageId });

    expect(reply.properties.correlationId).toBe(messageId);
  });

  it("answers a request in Nest's envelope with Nest's reply envelope", async () => {
    const id = randomUUID();

    const reply = await request(
      { pattern: RequestPatterns.OrderQuote, data: A_QUOTE, id },
      { correlationId: id },
    );

    expect(JSON.parse(reply.content.toString())).toEqual({
      response: expect.objectContaining({ currency: 'EUR' }) as unknown,
      isDisposed: true,
    });
    expect(reply.properties.headers?.['x-error-name']).toBeUndefined();
  });

  it("answers a failing request in Nest's envelope with {err, isDisposed}", async () => {
    const id = randomUUID();

    const reply = await request(
      { pattern: RequestPatterns.OrderQuote, data: { ...A_QUOTE, currency: 'eur' }, id },
      { correlationId: id },
    );

    expect(JSON.parse(reply.content.toString())).toEqual({
      err: expect.objectContaining({
        name: 'PayloadValidationError',
        code: 'VALIDATION_FAILED',
      }) as unknown,
      isDisposed: true,
    });
  });

  it('answers a bare JSON request with the bare result', async () => {
    const reply = await request(A_QUOTE, { correlationId: randomUUID() });

    expect(JSON.parse(reply.content.toString())).toEqual(
      expect.objectContaining({ currency: 'EUR', total: expect.any(Number) as unknown }),
    );
  });
});
