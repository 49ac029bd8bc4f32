import type { LoggerService } from '@nestjs/common';
import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { messageWithoutPassword, redactUrl } from '@app/config';
import { brokerRefusal } from './broker-refusal';
import {
  brokerVersionOf,
  formatBrokerVersion,
  isSupportedBroker,
  OLDEST_SUPPORTED_BROKER,
} from './broker-version';
import { MessageHeaders } from './message-headers';
import {
  BrokerUnavailableError,
  MessageEncodingError,
  PublishRejectedError,
  TopologyMismatchError,
  UnroutableMessageError,
} from './messaging.errors';

/** Declares queues, bindings and consumers on a fresh channel; runs again after every reconnect. */
export type ChannelSetup = (channel: ConfirmChannel) => Promise<void>;

/** Connection settings shared by publishers and consumers. */
export interface ManagedChannelOptions {
  urls: string[];
  /** Shown as the connection name in the management UI. */
  connectionName: string;
  heartbeatSeconds: number;
  reconnectSeconds: number;
  /** At most this many publishes wait for a connection at once; more fail fast. */
  maxWaiters: number;
  /** TLS and socket options passed to amqplib (ca, cert, key, ...). */
  socketOptions?: Record<string, unknown>;
  setup?: ChannelSetup;
  logger: LoggerService;
}

/**
 * What RabbitServer and RabbitClient need of their channel: ManagedChannel in production, a fake in
 * unit tests (see `channelFactory` in their options).
 */
export type BrokerChannel = Pick<
  ManagedChannel,
  'start' | 'isReady' | 'onStateChange' | 'waitForChannel' | 'publish' | 'close'
>;

/** Builds the channel of a RabbitServer or RabbitClient from its settings. */
export type ChannelFactory = (options: ManagedChannelOptions) => BrokerChannel;

/** The production channel factory. */
export const managedChannel: ChannelFactory = (options) => new ManagedChannel(options);

/** Listener for connection state changes, e.g. for readiness checks and metrics. */
export type ChannelStateListener = (state: 'ready' | 'lost' | 'fatal', error?: Error) => void;

class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}

const REOPEN_DELAY_MS = 1_000;

/**
 * One confirm channel kept open across connection losses: amqp-connection-manager reconnects (to any
 * of several nodes), and this reopens the channel, re-runs the setup, and publishes with mandatory
 * routing and publisher confirms. Publishes wait a bounded time for a channel and never queue up.
 */
export class ManagedChannel {
  private manager?: AmqpConnectionManager;
  private channel?: ConfirmChannel;
  private opening?: Promise<void>;
  private closing = false;
  private readonly waiters = new Set<() => void>();
  private readonly returned = new Set<string>();
  private readonly listeners = new Set<ChannelStateListener>();
  private reopenTimer?: NodeJS.Timeout;

  constructor(private readonly options: ManagedChannelOptions) {}

  /** Starts connecting in the background; safe to call more than once. */
  start(): void {
    if (this.manager) {
      return;
    }
    const { urls, connectionName, heartbeatSeconds, reconnectSeconds, socketOptions } =
      this.options;
    this.manager = connect(urls, {
      heartbeatIntervalInSeconds: heartbeatSeconds,
      reconnectTimeInSeconds: reconnectSeconds,
      connectionOptions: {
        noDelay: true,
        ...socketOptions,
        clientProperties: { connection_name: connectionName },
      },
    });
    this.manager.on('connect', ({ connection, url }) => {
      // amqp-connection-manager types this with amqplib's low-level Connection; at run time it is
      // the ChannelModel that amqplib.connect() resolves with.
      const model = connection as unknown as ChannelModel;
      const version = brokerVersionOf(model);
      this.options.logger.log?.(
        `${connectionName}: connected to ${redactUrl(urlString(url))}` +
          (version ? ` (RabbitMQ ${formatBrokerVersion(version)})` : ''),
      );
      if (version && !isSupportedBroker(version)) {
        this.options.logger.warn?.(
          `${connectionName}: RabbitMQ ${formatBrokerVersion(version)} is older than the oldest ` +
            `supported, ${formatBrokerVersion(OLDEST_SUPPORTED_BROKER)} (quorum queues' ` +
            'at-least-once dead-lettering needs it); upgrade the broker',
        );
      }
      this.openChannel(model);
    });
    this.manager.on('disconnect', ({ err }) => {
      this.options.logger.warn?.(`${connectionName}: disconnected (${err?.message ?? 'closed'})`);
    });
    this.manager.on('connectFailed', ({ err, url }) => {
      // A refused login or vhost is not an outage: say what to fix, as an error.
      const refusal = brokerRefusal(err, urlString(url));
      if (refusal) {
        this.options.logger.error?.(`${connectionName}: ${refusal.name}: ${refusal.message}`);
        return;
      }
      this.options.logger.warn?.(
        `${connectionName}: cannot connect to ${redactUrl(urlString(url))} ` +
          `(${messageWithoutPassword(err, urlString(url))})`,
      );
    });
    this.manager.on('blocked', ({ reason }) => {
      this.options.logger.warn?.(`${connectionName}: the broker blocked publishing (${reason})`);
    });
  }

  /** Whether a channel is open and set up right now. */
  isReady(): boolean {
    return this.channel !== undefined;
  }

  onStateChange(listener: ChannelStateListener): void {
    this.listeners.add(listener);
  }

  /**
   * Resolves with the open channel, waiting at most `timeoutMs` for one; with `notThis`, for one
   * other than a channel that just failed (it may still look open for a moment).
   */
  async waitForChannel(timeoutMs: number, notThis?: ConfirmChannel): Promise<ConfirmChannel> {
    if (this.channel && this.channel !== notThis) {
      return this.channel;
    }
    if (timeoutMs <= 0 || this.closing || this.waiters.size >= this.options.maxWaiters) {
      throw new BrokerUnavailableError(Math.max(0, timeoutMs));
    }
    this.start();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.nextReady(deadline - Date.now(), timeoutMs);
      if (this.channel && this.channel !== notThis) {
        return this.channel;
      }
      if (this.closing || Date.now() >= deadline) {
        throw new BrokerUnavailableError(timeoutMs);
      }
    }
  }

  /** Waits (a timer, never a busy loop) until a channel is set up, or rejects at the deadline. */
  private nextReady(remainingMs: number, timeoutMs: number): Promise<void> {
    if (remainingMs <= 0) {
      return Promise.reject(new BrokerUnavailableError(timeoutMs));
    }
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new BrokerUnavailableError(timeoutMs));
      }, remainingMs);
      this.waiters.add(wake);
    });
  }

  /**
   * Publishes with `mandatory` and waits for the broker's confirm. Resolves only when the broker has
   * the message in at least one queue; if the channel drops first, publishes again on the next one
   * (same messageId, so consumers can de-duplicate) until `timeoutMs` is spent. A message amqplib
   * cannot encode fails at once with MessageEncodingError: no channel would ever take it.
   */
  async publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: PublishProperties,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let failed: ConfirmChannel | undefined;
    for (;;) {
      if (Date.now() >= deadline || this.closing) {
        throw new BrokerUnavailableError(timeoutMs);
      }
      // After a failure, only a new channel can do better: wait for it rather than spin.
      const channel = await this.waitForChannel(deadline - Date.now(), failed).catch(() => {
        throw new BrokerUnavailableError(timeoutMs);
      });
      try {
        await this.publishOn(channel, exchange, routingKey, content, options);
        return;
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) {
          throw error;
        }
        failed = channel;
      }
    }
  }

  /** Closes the channel and the connection; unacked deliveries go back to their queues. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reopenTimer);
    for (const wake of this.waiters) {
      wake();
    }
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
    await this.manager?.close().catch(() => undefined);
  }

  private publishOn(
    channel: ConfirmChannel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: PublishProperties,
  ): Promise<void> {
    const key = returnKeyOf(options);
    return new Promise((resolve, reject) => {
      try {
        channel.publish(
          exchange,
          routingKey,
          content,
          { ...options, mandatory: true },
          (err: Error | null) => {
            const wasReturned = key !== undefined && this.returned.delete(key);
            if (err) {
              reject(
                err.message === 'message nacked'
                  ? new PublishRejectedError(exchange, routingKey)
                  : new ChannelClosedError(err.message),
              );
            } else if (wasReturned) {
              reject(new UnroutableMessageError(exchange, routingKey));
            } else {
              resolve();
            }
          },
        );
      } catch (error) {
        // amqplib encodes the whole frame before writing any of it, and registers the confirm
        // callback only after: a throw leaves the channel and its confirm bookkeeping untouched.
        const message = error instanceof Error ? error.message : String(error);
        reject(
          error instanceof Error && error.name === 'IllegalOperationError'
            ? new ChannelClosedError(message)
            : new MessageEncodingError(routingKey, message),
        );
      }
    });
  }

  private openChannel(connection: ChannelModel): void {
    if (this.opening || this.closing) {
      return;
    }
    this.opening = this.doOpenChannel(connection).finally(() => {
      this.opening = undefined;
    });
  }

  private async doOpenChannel(connection: ChannelModel): Promise<void> {
    const { logger, connectionName, setup } = this.options;
    let channel: ConfirmChannel | undefined;
    try {
      channel = await connection.createConfirmChannel();
      const opened = channel;
      opened.on('error', (error: Error) => {
        logger.error?.(`${connectionName}: channel error (${error.message})`);
      });
      opened.on('return', (message: { properties: PublishProperties }) => {
        const key = returnKeyOf(message.properties);
        if (key !== undefined) {
          this.returned.add(key);
        }
      });
      opened.on('close', () => this.onChannelClosed(opened, connection));
      await setup?.(opened);
      if (this.closing) {
        await opened.close().catch(() => undefined);
        return;
      }
      this.channel = opened;
      for (const wake of this.waiters) {
        wake();
      }
      this.emit('ready');
    } catch (error) {
      const mismatch = toTopologyMismatch(error);
      if (mismatch) {
        logger.error?.(`${connectionName}: ${mismatch.message}`);
        this.emit('fatal', mismatch);
        return;
      }
      logger.warn?.(
        `${connectionName}: channel setup failed (${error instanceof Error ? error.message : String(error)})`,
      );
      await channel?.close().catch(() => undefined);
      this.scheduleReopen(connection);
    }
  }

  private onChannelClosed(channel: ConfirmChannel, connection: ChannelModel): void {
    if (this.channel !== channel) {
      return;
    }
    this.channel = undefined;
    this.emit('lost');
    this.scheduleReopen(connection);
  }

  /** A channel can close while its connection stays up (e.g. a channel error); open a new one then. */
  private scheduleReopen(connection: ChannelModel): void {
    if (this.closing) {
      return;
    }
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      if (!this.channel && (this.manager?.connection as unknown) === connection) {
        this.openChannel(connection);
      }
    }, REOPEN_DELAY_MS);
    this.reopenTimer.unref();
  }

  private emit(state: 'ready' | 'lost' | 'fatal', error?: Error): void {
    for (const listener of this.listeners) {
      listener(state, error);
    }
  }
}

/** What a published message is told apart by: its messageId, or the id this layer assigned to it. */
export type PublishProperties = Options.Publish & { messageId?: string };

/**
 * Matches a `basic.return` to its publish (the broker sends it before the confirm): by messageId,
 * else by the id assigned to a copy of a message that had none.
 */
function returnKeyOf(properties: PublishProperties): string | undefined {
  if (typeof properties.messageId === 'string' && properties.messageId !== '') {
    return properties.messageId;
  }
  const assigned = (properties.headers as Record<string, unknown> | undefined)?.[
    MessageHeaders.AssignedMessageId
  ];
  return typeof assigned === 'string' ? assigned : undefined;
}

/** Recognises the broker's PRECONDITION_FAILED for a queue declared with other arguments. */
function toTopologyMismatch(error: unknown): TopologyMismatchError | undefined {
  if (error instanceof TopologyMismatchError) {
    return error;
  }
  const message = error instanceof Error ? error.message : '';
  const match = /PRECONDITION_FAILED - (inequivalent arg .*? for queue '([^']+)'[^"]*)/.exec(
    message,
  );
  return match ? new TopologyMismatchError(match[2], match[1]) : undefined;
}

function urlString(url: unknown): string {
  if (typeof url === 'string') {
    return url;
  }
  if (url && typeof url === 'object' && 'url' in url && typeof url.url === 'string') {
    return url.url;
  }
  if (url && typeof url === 'object' && 'hostname' in url) {
    const {
      protocol = 'amqp',
      hostname,
      port,
    } = url as {
      protocol?: string;
      hostname?: string;
      port?: number;
    };
    return `${protocol}://${hostname ?? 'localhost'}${port ? `:${port}` : ''}`;
  }
  return '<unknown>';
}
