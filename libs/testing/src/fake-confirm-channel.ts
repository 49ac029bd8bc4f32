import { EventEmitter } from 'node:events';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';

/** A publish the code under test made, waiting for the test to confirm, nack or return it. */
export interface FakePublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish & { messageId?: string };
  /** The confirm callback amqplib would call; see {@link FakeConfirmChannel.confirm}. */
  callback?: (err: Error | null) => void;
}

/** What a test may set on a delivery; everything else gets a plausible default. */
export interface FakeDeliveryInit {
  content: Buffer | string | object;
  routingKey?: string;
  exchange?: string;
  redelivered?: boolean;
  /** Headers untyped, so a test can send what a foreign or broken publisher would. */
  properties?: Omit<Partial<ConsumeMessage['properties']>, 'headers'> & {
    headers?: Record<string, unknown>;
  };
}

interface FakeConsumer {
  queue: string;
  onMessage: (msg: ConsumeMessage | null) => void;
  options?: Options.Consume;
}

/**
 * An in-memory stand-in for amqplib's ConfirmChannel, for unit tests of code that declares
 * topology, consumes, acks and publishes with confirms: it records what is asked of it, lets the
 * test deliver messages to a consumer, cancel a consumer as the broker would, and settle publishes
 * (confirm, nack, or return as unroutable). Pass {@link asConfirmChannel} where a channel is expected.
 */
export class FakeConfirmChannel extends EventEmitter {
  readonly exchanges: string[] = [];
  readonly queues = new Map<string, Options.AssertQueue | undefined>();
  readonly bindings: { queue: string; exchange: string; pattern: string }[] = [];
  prefetchCount?: number;
  readonly consumers = new Map<string, FakeConsumer>();
  readonly cancelled: string[] = [];
  readonly acked: ConsumeMessage[] = [];
  readonly nacked: { msg: ConsumeMessage; requeue: boolean }[] = [];
  readonly sent: { queue: string; content: Buffer; options?: Options.Publish }[] = [];
  readonly published: FakePublish[] = [];
  closed = false;
  private nextTag = 0;
  /** `basic.ack` frames with `multiple` set. */
  multipleAcks = 0;
  private nextDeliveryTag = 0;
  private readonly unsettled = new Map<number, ConsumeMessage>();

  asConfirmChannel(): ConfirmChannel {
    return this as unknown as ConfirmChannel;
  }

  assertExchange(exchange: string): Promise<{ exchange: string }> {
    this.exchanges.push(exchange);
    return Promise.resolve({ exchange });
  }

  assertQueue(queue: string, options?: Options.AssertQueue): Promise<{ queue: string }> {
    this.queues.set(queue, options);
    return Promise.resolve({ queue });
  }

  bindQueue(queue: string, exchange: string, pattern: string): Promise<void> {
    this.bindings.push({ queue, exchange, pattern });
    return Promise.resolve();
  }

  prefetch(count: number): Promise<void> {
    this.prefetchCount = count;
    return Promise.resolve();
  }

  consume(
    queue: string,
    onMessage: (msg: ConsumeMessage | null) => void,
    options?: Options.Consume,
  ): Promise<{ consumerTag: string }> {
    const consumerTag = `ctag-${++this.nextTag}`;
    this.consumers.set(consumerTag, { queue, onMessage, options });
    return Promise.resolve({ consumerTag });
  }

  cancel(consumerTag: string): Promise<void> {
    this.consumers.delete(consumerTag);
    this.cancelled.push(consumerTag);
    return Promise.resolve();
  }

  /** `allUpTo` settles, as the broker does, every delivery up to `msg` not settled yet. */
  ack(msg: ConsumeMessage, allUpTo = false): void {
    if (!allUpTo) {
      this.acked.push(msg);
      this.unsettled.delete(msg.fields.deliveryTag);
      return;
    }
    for (const [tag, delivery] of [...this.unsettled]) {
      if (tag <= msg.fields.deliveryTag) {
        this.acked.push(delivery);
        this.unsettled.delete(tag);
      }
    }
    this.multipleAcks += 1;
  }

  nack(msg: ConsumeMessage, _allUpTo?: boolean, requeue = true): void {
    this.nacked.push({ msg, requeue });
    this.unsettled.delete(msg.fields.deliveryTag);
  }

  sendToQueue(queue: string, content: Buffer, options?: Options.Publish): boolean {
    this.sent.push({ queue, content, options });
    return true;
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    callback?: (err: Error | null) => void,
  ): boolean {
    this.published.push({ exchange, routingKey, content, options, callback });
    return true;
  }

  close(): Promise<void> {
    this.closed = true;
    this.emit('close');
    return Promise.resolve();
  }

  /** The queues consumed right now. */
  consumedQueues(): string[] {
    return [...this.consumers.values()].map((consumer) => consumer.queue);
  }

  /** Delivers a message to the consumer of `queue`, as the broker would; returns the delivery. */
  deliver(queue: string, init: FakeDeliveryInit): ConsumeMessage {
    const consumer = this.consumerOf(queue);
    const content =
      typeof init.content === 'string'
        ? Buffer.from(init.content)
        : Buffer.isBuffer(init.content)
          ? init.content
          : Buffer.from(JSON.stringify(init.content));
    const [consumerTag] = [...this.consumers].find(([, c]) => c === consumer) ?? ['?'];
    const msg = {
      content,
      fields: {
        deliveryTag: ++this.nextDeliveryTag,
        redelivered: init.redelivered ?? false,
        exchange: init.exchange ?? '',
        routingKey: init.routingKey ?? queue,
        consumerTag,
      },
      properties: { headers: {}, ...init.properties },
    } as unknown as ConsumeMessage;
    this.unsettled.set(msg.fields.deliveryTag, msg);
    consumer.onMessage(msg);
    return msg;
  }

  /** The broker cancels the consumer of `queue` (queue deleted, its node lost): amqplib passes null. */
  cancelByBroker(queue: string): void {
    const consumer = this.consumerOf(queue);
    for (const [tag, c] of this.consumers) {
      if (c === consumer) {
        this.consumers.delete(tag);
      }
    }
    consumer.onMessage(null);
  }

  /** Confirms publish number `index` (basic.ack). */
  confirm(index = this.published.length - 1): void {
    this.settle(index).callback?.(null);
  }

  /** Rejects publish number `index` (basic.nack), as amqplib reports it. */
  nackPublish(index = this.published.length - 1): void {
    this.settle(index).callback?.(new Error('message nacked'));
  }

  /** Returns publish number `index` as unroutable (basic.return, then its confirm). */
  returnUnroutable(index = this.published.length - 1): void {
    const publish = this.settle(index);
    this.emit('return', {
      content: publish.content,
      fields: {
        replyCode: 312,
        replyText: 'NO_ROUTE',
        exchange: publish.exchange,
        routingKey: publish.routingKey,
      },
      properties: publish.options,
    });
    publish.callback?.(null);
  }

  private settle(index: number): FakePublish {
    const publish = this.published[index];
    if (!publish) {
      throw new Error(`There is no publish number ${index} (${this.published.length} so far)`);
    }
    return publish;
  }

  private consumerOf(queue: string): FakeConsumer {
    const consumer = [...this.consumers.values()].find((c) => c.queue === queue);
    if (!consumer) {
      throw new Error(
        `Nobody consumes ${queue} (consumed: ${this.consumedQueues().join(', ') || 'none'})`,
      );
    }
    return consumer;
  }
}
