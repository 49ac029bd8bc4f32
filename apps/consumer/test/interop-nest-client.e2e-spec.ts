import { randomUUID } from 'node:crypto';
import {
  ClientProxyFactory,
  RmqRecordBuilder,
  type ClientProxy,
  type RmqOptions,
} from '@nestjs/microservices';
import type { GetMessage } from 'amqplib';
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { EventPatterns, RequestPatterns, type OrderProcessedEvent } from '@app/contracts';
import { MessageHeaders } from '@app/messaging';
import { anOrderPlacedEvent, brokerUrl, EventProbe } from '@app/testing';
import { ConsumerUnderTest, headerOf, waitForMessageIn } from './interop/consumer-under-test';
import { toRequestQueue, toWorkQueue, viaExchange } from './interop/nest-client-options';
import { A_QUOTE, ITS_PRICE } from './interop/a-quote';

// #14: a stock Nest ClientProxy (Transport.RMQ from @nestjs/microservices, nothing of ours) with
// the options docs/talking-to-the-services.md gives, against the consumer as production builds it.

const withMessageId = <T>(data: T, messageId: string | undefined) =>
  messageId === undefined ? data : new RmqRecordBuilder(data).setOptions({ messageId }).build();

describe('A stock Nest ClientProxy (Transport.RMQ)', () => {
  let consumer: ConsumerUnderTest;
  let probe: EventProbe;
  const clients: ClientProxy[] = [];
  const deadLetters: GetMessage[] = [];

  async function stockClient(options: RmqOptions): Promise<ClientProxy> {
    const client = ClientProxyFactory.create(options);
    clients.push(client);
    await client.connect();
    return client;
  }

  async function emitOrderAndSeeItProcessed(client: ClientProxy, messageId?: string) {
    const order = anOrderPlacedEvent({ customerId: 'stock-nest-client' });
    await lastValueFrom(client.emit(EventPatterns.OrderPlaced, withMessageId(order, messageId)), {
      defaultValue: undefined,
    });
    const processed = await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (event) => event.orderId === order.orderId,
    );
    expect(processed.data.outcome).toBe('accepted');
    return order;
  }

  beforeAll(async () => {
    consumer = await ConsumerUnderTest.start('nest-client');
    probe = await EventProbe.create(consumer.exchange, [EventPatterns.OrderProcessed]);
  });

  afterAll(async () => {
    await Promise.all(
      clients.map((client): Promise<unknown> => client.close() as Promise<unknown>),
    );
    await probe?.close();
    await consumer?.close();
  });

  describe('publishing to the exchange (viaExchange)', () => {
    let client: ClientProxy;

    beforeAll(async () => {
      client = await stockClient(viaExchange(brokerUrl(), consumer.exchange));
    });

    it.each([
      ['without a message id', undefined],
      ['with a message id set through RmqRecordBuilder', randomUUID()],
    ])('emit(order.placed.v1) %s: the order is processed', async (_, messageId) => {
      await emitOrderAndSeeItProcessed(client, messageId);

      if (messageId) {
        await consumer.waitForOutcome(
          (o) => o.messageId === messageId && o.outcome === 'acked',
          `the consumer to ack ${messageId}`,
        );
      }
    });

    // Before #14 the reply carried the request's message_id as its correlation_id, so a client
    // that set a message id never matched its reply and timed out.
    it.each([
      ['without a message id', undefined],
      ['with a message id set through RmqRecordBuilder', randomUUID()],
    ])('send(order.quote.v1) %s: the reply is matched and priced', async (_, messageId) => {
      const reply: unknown = await firstValueFrom(
        client
          .send(RequestPatterns.OrderQuote, withMessageId(A_QUOTE, messageId))
          .pipe(timeout(5_000)),
      );

      expect(reply).toEqual(ITS_PRICE);
    });

    it("send() of an invalid quote fails with the consumer's error: name, code and every wrong field", async () => {
      const error: unknown = await firstValueFrom(
        client
          .send(RequestPatterns.OrderQuote, { ...A_QUOTE, couponCode: 'BOGUS' })
          .pipe(timeout(5_000)),
      ).catch((e: unknown) => e);

      expect(error).toMatchObject({
        name: 'PayloadValidationError',
        code: 'VALIDATION_FAILED',
        details: [{ field: 'couponCode', errors: ['couponCode "BOGUS" is not a known coupon'] }],
      });
    });
  });

  describe('sending straight to the queues', () => {
    it('toWorkQueue declares the work queue with the documented arguments, and its events are processed', async () => {
      // The broker refuses (406 PRECONDITION_FAILED) any other arguments: connecting proves them.
      const client = await stockClient(toWorkQueue(brokerUrl(), consumer.queue));

      await emitOrderAndSeeItProcessed(client, randomUUID());
    });

    it('toRequestQueue (noAssert) gets its quote answered', async () => {
      const client = await stockClient(toRequestQueue(brokerUrl(), consumer.queue));

      const reply: unknown = await firstValueFrom(
        client.send(RequestPatterns.OrderQuote, A_QUOTE).pipe(timeout(5_000)),
      );

      expect(reply).toEqual(ITS_PRICE);
    });

    // The first set-up most Nest users try: one client, pointed at the request queue, for both
    // send() and emit(). Before #14 the event was acked as "replied" and the order lost.
    it('an event emitted to the request queue is dead-lettered as MisroutedMessageError, never acked', async () => {
      const client = await stockClient(toRequestQueue(brokerUrl(), consumer.queue));
      const order = anOrderPlacedEvent({ customerId: 'misrouted' });
      const messageId = randomUUID();

      await lastValueFrom(client.emit(EventPatterns.OrderPlaced, withMessageId(order, messageId)), {
        defaultValue: undefined,
      });

      const deadLetter = await waitForMessageIn(
        consumer.names.deadLetter,
        (m) => m.properties.messageId === messageId,
        'the misrouted event in the dead-letter queue',
        deadLetters,
      );
      expect(headerOf(deadLetter, MessageHeaders.ErrorName)).toBe('MisroutedMessageError');
      expect(headerOf(deadLetter, MessageHeaders.OriginalQueue)).toBe(consumer.names.requests);
      expect(JSON.parse(deadLetter.content.toString())).toEqual({
        pattern: EventPatterns.OrderPlaced,
        data: order,
      });
      expect(
        consumer.outcomes.filter((o) => o.messageId === messageId).map((o) => o.outcome),
      ).toEqual(['dead-lettered']);
    });

    it('a request sent to the work queue is dead-lettered as NoHandlerError, never acked', async () => {
      const client = await stockClient(toWorkQueue(brokerUrl(), consumer.queue));
      const messageId = randomUUID();

      // Nobody answers it; the caller's own timeout ends the wait.
      const waiting = client
        .send(RequestPatterns.OrderQuote, withMessageId(A_QUOTE, messageId))
        .subscribe({ error: () => undefined });
      try {
        const deadLetter = await waitForMessageIn(
          consumer.names.deadLetter,
          (m) => m.properties.messageId === messageId,
          'the request in the dead-letter queue',
          deadLetters,
        );
        expect(headerOf(deadLetter, MessageHeaders.ErrorName)).toBe('NoHandlerError');
        expect(
          consumer.outcomes.filter((o) => o.messageId === messageId).map((o) => o.outcome),
        ).toEqual(['dead-lettered']);
      } finally {
        waiting.unsubscribe();
      }
    });
  });
});
