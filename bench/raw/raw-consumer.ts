// The raw amqplib counterpart of the consumer app, run as a child process by the bench: it takes
// order.placed.v1 events (manual ack, same prefetch, same queue type), publishes order.processed.v1
// with a confirm before acking, and answers order.quote.v1 requests over direct reply-to.
// Routing keys are literals here so that this baseline loads nothing but amqplib.
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { connectRaw, RawPublisher } from './raw-amqp';
import { price, type RawItem as Item } from './raw-pricing';
import { runService } from './raw-service';

const env = process.env;
const url = (env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0];
const exchange = env.RABBITMQ_EXCHANGE ?? 'events';
const queue = env.RABBITMQ_QUEUE ?? 'raw-consumer';
const queueType = env.RABBITMQ_QUEUE_TYPE ?? 'quorum';
const prefetch = Number(env.RABBITMQ_PREFETCH ?? 50);

/** An ack on a closed channel throws; the broker redelivers then, which is fine here. */
function safely(operation: () => void): void {
  try {
    operation();
  } catch {
    // ignored
  }
}

async function main(): Promise<() => Promise<unknown>> {
  const connection = await connectRaw(url, 'raw-consumer');
  const channel = await connection.createChannel();
  const publisher = await RawPublisher.create(connection);
  const requests = `${queue}.requests`;
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });
  await channel.bindQueue(queue, exchange, 'order.placed.v1');
  await channel.assertQueue(requests, { durable: true, arguments: { 'x-queue-type': queueType } });
  await channel.bindQueue(requests, exchange, 'order.quote.v1');
  await channel.prefetch(prefetch);

  const onEvent = (msg: ConsumeMessage | null): void => {
    if (!msg) {
      return;
    }
    let event: { data: { orderId: string; items: Item[]; currency: string } };
    try {
      event = JSON.parse(msg.content.toString('utf8')) as typeof event;
    } catch {
      channel.nack(msg, false, false);
      return;
    }
    const { orderId, items, currency } = event.data;
    const { total } = price(items, currency);
    const processed = {
      pattern: 'order.processed.v1',
      data: {
        orderId,
        outcome: 'accepted',
        total,
        currency,
        processedAt: new Date().toISOString(),
      },
    };
    void publisher
      .publish(exchange, 'order.processed.v1', Buffer.from(JSON.stringify(processed)), randomUUID())
      .then(
        () => safely(() => channel.ack(msg)),
        () => safely(() => channel.nack(msg, false, true)),
      );
  };

  const onRequest = (msg: ConsumeMessage | null): void => {
    if (!msg) {
      return;
    }
    const { replyTo, correlationId } = msg.properties as {
      replyTo?: string;
      correlationId?: string;
    };
    let reply: unknown;
    try {
      const request = JSON.parse(msg.content.toString('utf8')) as {
        data: { items: Item[]; currency: string };
      };
      reply = price(request.data.items, request.data.currency);
    } catch (error) {
      reply = { error: String(error) };
    }
    if (replyTo) {
      channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), {
        correlationId,
        contentType: 'application/json',
      });
    }
    channel.ack(msg);
  };

  await channel.consume(queue, onEvent, { noAck: false });
  await channel.consume(requests, onRequest, { noAck: false });

  return () => connection.close();
}

runService(main);
