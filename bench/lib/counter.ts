import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { EventPatterns } from '@app/contracts';

/** What a wait for processed events found. */
export interface CountResult {
  /** Every expected order was seen. */
  complete: boolean;
  /** Expected orders never seen (lost, or still in flight at the deadline). */
  missing: number;
  /** When the last expected order was seen (performance.now()). */
  lastAt: number;
}

/**
 * A queue of the bench bound to order.processed.v1: it makes the consumer's outcome events routable
 * (they are published with `mandatory`) and tells which orders went all the way through, and when.
 */
export class ProcessedCounter {
  /** Processed orderId → when it was first seen. */
  private readonly seen = new Map<string, number>();
  private readonly expected = new Set<string>();
  private matched = 0;
  private lastAt = 0;
  /** Outcome events seen more than once (redeliveries that got past de-duplication). */
  duplicates = 0;

  private constructor(
    private readonly channel: Channel,
    readonly queue: string,
  ) {}

  /** Declares the queue (classic, durable, expiring if the bench dies) and starts counting. */
  static async create(
    connection: ChannelModel,
    exchange: string,
    queue: string,
  ): Promise<ProcessedCounter> {
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'classic', 'x-expires': 15 * 60_000 },
    });
    await channel.bindQueue(queue, exchange, EventPatterns.OrderProcessed);
    const counter = new ProcessedCounter(channel, queue);
    await channel.consume(queue, (msg) => counter.onMessage(msg), { noAck: true });
    return counter;
  }

  /** Forgets everything seen and expected (e.g. after a warm-up). */
  reset(): void {
    this.seen.clear();
    this.expected.clear();
    this.matched = 0;
    this.lastAt = 0;
    this.duplicates = 0;
  }

  /** Adds an order whose outcome must be seen; it may have been seen already. */
  expect(orderId: string): void {
    if (this.expected.has(orderId)) {
      return;
    }
    this.expected.add(orderId);
    const at = this.seen.get(orderId);
    if (at !== undefined) {
      this.matched++;
      this.lastAt = Math.max(this.lastAt, at);
    }
  }

  get expectedCount(): number {
    return this.expected.size;
  }

  get missing(): number {
    return this.expected.size - this.matched;
  }

  /** Resolves once every expected order was seen, or at the deadline with what is missing. */
  async waitAll(timeoutMs: number): Promise<CountResult> {
    const deadline = performance.now() + timeoutMs;
    while (this.missing > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { complete: this.missing === 0, missing: this.missing, lastAt: this.lastAt };
  }

  async delete(): Promise<void> {
    await this.channel.deleteQueue(this.queue);
    await this.channel.close();
  }

  private onMessage(msg: ConsumeMessage | null): void {
    if (!msg) {
      return;
    }
    const now = performance.now();
    let orderId: string | undefined;
    try {
      // Nest's `{ pattern, data }` envelope (ours, raw, stock Nest) or a bare payload (golevelup).
      const body = JSON.parse(msg.content.toString('utf8')) as {
        data?: { orderId?: string };
        orderId?: string;
      };
      orderId = body.data?.orderId ?? body.orderId;
    } catch {
      return;
    }
    if (orderId === undefined) {
      return;
    }
    if (this.seen.has(orderId)) {
      this.duplicates++;
      return;
    }
    this.seen.set(orderId, now);
    if (this.expected.has(orderId)) {
      this.matched++;
      this.lastAt = now;
    }
  }
}
