import type { LoggerService } from '@nestjs/common';
import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { messageWithoutPassword, redactUrl } from '@app/config';
import {
  BrokerUnavailableError,
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
      this.options.logger.log?.(`${connectionName}: connected to ${redactUrl(urlString(url))}`);
      // amqp-connection-manager types this with amqplib's low-level Connection; at run time it is
      // the ChannelModel that amqplib.connect() resolves with.
      this.openChannel(connection as unknown as ChannelModel);
    });
    this.manager.on('disconnect', ({ err }) => {
      this.options.logger.warn?.(`${connectionName}: disconnected (${err?.message ?? 'closed'})`);
    });
    this.manager.on('connectFailed', ({ err, url }) => {
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

  /** Resolves with the open channel, waiting at most `timeoutMs` for one. */
  async waitForChannel(timeoutMs: number): Promise<ConfirmChannel> {
    if (this.channel) {
      return this.channel;
    }
    if (timeoutMs <= 0 || this.closing || this.waiters.size >= this.options.maxWaiters) {
      throw new BrokerUnavailableError(Math.max(0, timeoutMs));
    }
    this.start();
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new BrokerUnavailableError(timeoutMs));
      }, timeoutMs);
      this.waiters.add(wake);
    });
    if (!this.channel) {
      throw new BrokerUnavailableError(timeoutMs);
    }
    return this.channel;
  }

  /**
   * Publishes with `mandatory` and waits for the broker's confirm. Resolves only when the broker has
   * the message in at least one queue; if the channel drops first, publishes again on the next one
   * (same messageId, so consumers can de-duplicate) until `timeoutMs` is spent.
   */
  async publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish & { messageId: string },
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const channel = await this.waitForChannel(deadline - Date.now());
      try {
        await this.publishOn(channel, exchange, routingKey, content, options);
        return;
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) {
          throw error;
        }
        if (Date.now() >= deadline || this.closing) {
          throw new BrokerUnavailableError(timeoutMs);
        }
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
    options: Options.Publish & { messageId: string },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        channel.publish(
          exchange,
          routingKey,
          content,
          { ...options, mandatory: true },
          (err: Error | null) => {
            const wasReturned = this.returned.delete(options.messageId);
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
        reject(new ChannelClosedError(error instanceof Error ? error.message : String(error)));
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
      opened.on('return', (message: { properties: { messageId?: unknown } }) => {
        if (typeof message.properties.messageId === 'string') {
          this.returned.add(message.properties.messageId);
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
