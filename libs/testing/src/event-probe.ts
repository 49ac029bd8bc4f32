import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { connectBroker, uniqueName } from './broker';
import { waitFor, type WaitForOptions } from './wait-for';

/** One message the probe saw, parsed. */
export interface ProbedMessage<T = unknown> {
  routingKey: string;
  pattern: string;
  data: T;
  properties: ConsumeMessage['properties'];
}

/**
 * A throw-away queue bound to the exchange, recording what was published: lets a test assert what
 * the system actually put on the broker, as a second subscriber would see it.
 */
export class EventProbe {
  readonly messages: ProbedMessage[] = [];

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async create(exchange: string, patterns: string[]): Promise<EventProbe> {
    const connection = await connectBroker();
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue(uniqueName('probe'), {
      exclusive: true,
      autoDelete: true,
      durable: false,
    });
    for (const pattern of patterns) {
      await channel.bindQueue(queue, exchange, pattern);
    }
    const probe = new EventProbe(connection, channel);
    await channel.consume(
      queue,
      (msg) => {
        if (msg) {
          probe.record(msg);
        }
      },
      { noAck: true },
    );
    return probe;
  }

  /** The payloads seen for a pattern. */
  payloads<T>(pattern: string): T[] {
    return this.messages.filter((m) => m.pattern === pattern).map((m) => m.data as T);
  }

  /** The distinct values `key` reads from the payloads seen for a pattern, e.g. every orderId. */
  distinct<T>(pattern: string, key: (data: T) => string): Set<string> {
    return new Set(this.payloads<T>(pattern).map(key));
  }

  /** Waits until a payload was seen for each of `ids` (none lost), as `key` reads them. */
  async waitForAll<T>(
    pattern: string,
    ids: readonly string[],
    key: (data: T) => string,
    options: WaitForOptions = {},
  ): Promise<void> {
    await waitFor(
      () => {
        const seen = this.distinct(pattern, key);
        return ids.every((id) => seen.has(id));
      },
      { timeoutMs: 30_000, description: `"${pattern}" for all ${ids.length}`, ...options },
    );
  }

  /**
   * The messageIds seen per key: a key with more than one got a copy that downstream
   * de-duplication would not drop.
   */
  messageIdsBy<T>(pattern: string, key: (data: T) => string): Map<string, Set<string>> {
    const byKey = new Map<string, Set<string>>();
    for (const message of this.messages.filter((m) => m.pattern === pattern)) {
      const ids = byKey.get(key(message.data as T)) ?? new Set<string>();
      ids.add(String(message.properties.messageId));
      byKey.set(key(message.data as T), ids);
    }
    return byKey;
  }

  /** Waits for a message matching the predicate and returns it. */
  async waitForMessage<T>(
    pattern: string,
    predicate: (data: T) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ProbedMessage<T>> {
    return waitFor(
      () =>
        this.messages.find((m) => m.pattern === pattern && predicate(m.data as T)) as
          ProbedMessage<T> | undefined,
      { timeoutMs, description: `a "${pattern}" message` },
    );
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }

  private record(msg: ConsumeMessage): void {
    let body: { pattern?: string; data?: unknown } = {};
    try {
      body = JSON.parse(msg.content.toString('utf8')) as typeof body;
    } catch {
      body = { data: msg.content.toString('utf8') };
    }
    this.messages.push({
      routingKey: msg.fields.routingKey,
      pattern: body.pattern ?? msg.fields.routingKey,
      data: body.data,
      properties: msg.properties,
    });
  }
}
