import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { connect } from 'amqplib';

/**
 * Plain amqplib, written the way a careful hand-rolled service would: the baseline our messaging
 * layer is compared with. No Nest, no class-validator, no reconnects, no de-duplication.
 */

export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** A connection with Nagle off, as our ManagedChannel opens them. */
export function connectRaw(url: string, name: string): Promise<ChannelModel> {
  return connect(url, { noDelay: true, clientProperties: { connection_name: name } });
}

/** Persistent, mandatory publishes on a confirm channel; each resolves on the broker's confirm. */
export class RawPublisher {
  private readonly returned = new Set<string>();

  private constructor(readonly channel: ConfirmChannel) {
    channel.on('return', (message: ConsumeMessage) => {
      this.returned.add(String(message.properties.messageId));
    });
  }

  static async create(connection: ChannelModel): Promise<RawPublisher> {
    return new RawPublisher(await connection.createConfirmChannel());
  }

  publish(exchange: string, routingKey: string, content: Buffer, messageId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.channel.publish(
        exchange,
        routingKey,
        content,
        { persistent: true, mandatory: true, messageId, contentType: 'application/json' },
        (error: unknown) => {
          if (error) {
            reject(error instanceof Error ? error : new Error(describeError(error)));
          } else if (this.returned.delete(messageId)) {
            reject(new Error(`${routingKey} was unroutable`));
          } else {
            resolve();
          }
        },
      );
    });
  }
}

/** Request/response over direct reply-to on one channel, replies matched by correlationId. */
export class RawRpcClient {
  private readonly pending = new Map<string, (reply: Buffer | Error) => void>();
  private sequence = 0;

  private constructor(private readonly channel: Channel) {}

  static async create(connection: ChannelModel): Promise<RawRpcClient> {
    const client = new RawRpcClient(await connection.createChannel());
    await client.channel.consume(DIRECT_REPLY_TO, (msg) => client.onReply(msg), { noAck: true });
    return client;
  }

  request(exchange: string, routingKey: string, body: unknown, timeoutMs: number): Promise<Buffer> {
    const id = String(++this.sequence);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${routingKey} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply instanceof Error) {
          reject(reply);
        } else {
          resolve(reply);
        }
      });
      this.channel.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify({ pattern: routingKey, data: body, id })),
        {
          replyTo: DIRECT_REPLY_TO,
          correlationId: id,
          expiration: String(timeoutMs),
          contentType: 'application/json',
        },
      );
    });
  }

  private onReply(msg: ConsumeMessage | null): void {
    const id = msg?.properties.correlationId as string | undefined;
    const settle = id === undefined ? undefined : this.pending.get(id);
    if (msg && settle && id !== undefined) {
      this.pending.delete(id);
      settle(msg.content);
    }
  }
}

function describeError(error: unknown): string {
  return typeof error === 'string' ? error : JSON.stringify(error);
}
