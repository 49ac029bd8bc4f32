import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventPatterns, type OrderProcessedEvent } from '@app/contracts';
import { MessageHeaders } from '@app/messaging';
import {
  anOrderPlacedEvent,
  brokerUrl,
  DEBIAN_PYTHON,
  describeWithTools,
  EventProbe,
  PYTHON_PIKA,
} from '@app/testing';
import { A_QUOTE, ITS_PRICE } from './interop/a-quote';
import { ConsumerUnderTest } from './interop/consumer-under-test';

// #14: Python's pika (Debian's python3-pika), running the scripts docs/talking-to-the-services.md
// shows, against the consumer as production builds it.

const SCRIPTS = join(__dirname, 'interop');

interface QuoteOutput {
  request: { correlationId: string; messageId: string };
  correlationId: string;
  headers: Record<string, string>;
  body: unknown;
}

describeWithTools([PYTHON_PIKA], 'Python pika talking to the consumer', () => {
  let consumer: ConsumerUnderTest;
  let probe: EventProbe;

  async function python(script: string, ...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(DEBIAN_PYTHON, [join(SCRIPTS, script), ...args], {
      env: {
        ...process.env,
        RABBITMQ_URL: brokerUrl(),
        RABBITMQ_EXCHANGE: consumer.exchange,
        PYTHONDONTWRITEBYTECODE: '1',
      },
      timeout: 20_000,
    });
    return stdout;
  }

  const quote = async (request: unknown): Promise<QuoteOutput> =>
    JSON.parse(await python('quote.py', JSON.stringify(request))) as QuoteOutput;

  beforeAll(async () => {
    consumer = await ConsumerUnderTest.start('pika');
    probe = await EventProbe.create(consumer.exchange, [EventPatterns.OrderProcessed]);
  });

  afterAll(async () => {
    await probe?.close();
    await consumer?.close();
  });

  it('publishes an order.placed.v1 event (bare JSON) that the consumer processes', async () => {
    const order = anOrderPlacedEvent({ customerId: 'pika' });

    const sent = JSON.parse(await python('publish_order.py', JSON.stringify(order))) as {
      orderId: string;
      messageId: string;
    };

    expect(sent.orderId).toBe(order.orderId);
    const processed = await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (event) => event.orderId === order.orderId,
    );
    expect(processed.data.outcome).toBe('accepted');
    await consumer.waitForOutcome(
      (o) => o.messageId === sent.messageId && o.outcome === 'acked',
      'the consumer to ack the pika message',
    );
  });

  it('publishes its sample order as the doc runs it, without arguments', async () => {
    const sent = JSON.parse(await python('publish_order.py')) as { orderId: string };

    await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (event) => event.orderId === sent.orderId,
    );
  });

  // Before #14 the reply's correlation_id was the request's message_id: a client that sets both,
  // as this one does, never saw its reply.
  it('gets a quote whose reply echoes the correlation_id, with message_id set too, as bare JSON', async () => {
    const reply = await quote(A_QUOTE);

    expect(reply.request.messageId).not.toBe(reply.request.correlationId);
    expect(reply.correlationId).toBe(reply.request.correlationId);
    expect(reply.body).toEqual(ITS_PRICE);
    expect(reply.headers[MessageHeaders.ErrorName]).toBeUndefined();
  });

  it('gets a validation error in the documented shape: {"error": {...}} plus x-error-* headers', async () => {
    const reply = await quote({
      items: [{ sku: 'BOOK-1', quantity: 0, unitPrice: 100 }],
      currency: 'USD',
      couponCode: 'BOGUS',
    });

    expect(reply.correlationId).toBe(reply.request.correlationId);
    expect(reply.body).toEqual({
      error: {
        name: 'PayloadValidationError',
        message: expect.any(String) as unknown,
        code: 'VALIDATION_FAILED',
        details: expect.arrayContaining([
          { field: 'items.0.quantity', errors: ['quantity must not be less than 1'] },
        ]) as unknown,
      },
    });
    expect(reply.headers).toMatchObject({
      [MessageHeaders.ErrorName]: 'PayloadValidationError',
      [MessageHeaders.ErrorCode]: 'VALIDATION_FAILED',
      [MessageHeaders.ErrorMessage]: (reply.body as { error: { message: string } }).error.message,
    });
  });
});
