import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, RmqRecord, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { from, Observable, throwError } from 'rxjs';
import { setTimeout as delay } from 'node:timers/promises';
import { context as otelContext, propagation } from '@opentelemetry/api';
import {
  managedChannel,
  type BrokerChannel,
  type ChannelFactory,
  type ManagedChannelOptions,
} from './managed-channel';
import { CorrelationContext, nameBasedUuid } from '@app/platform';
import { JSON_CONTENT_TYPE, MessageHeaders } from './message-headers';
import { declareExchange } from './queue-topology';
import {
  BrokerUnavailableError,
  PublishRejectedError,
  RemoteHandlerError,
  RequestTimeoutError,
  UnroutableMessageError,
  type SerializedError,
} from './messaging.errors';
import type { MessagingMetrics, PublishResult } from './messaging.metrics';

/** Settings of the publishing side; see MessagingConfig for their environment variables and defaults. */
export interface RabbitClientOptions extends Omit<ManagedChannelOptions, 'setup' | 'logger'> {
  exchange: string;
  /** Written as `appId` on every message so consumers know who published it. */
  serviceName: string;
  /** How long a publish waits for a connection and its confirm before failing. */
  publishTimeoutMs: number;
  /** How long `send()` waits for a reply. */
  requestTimeoutMs: number;
  metrics?: MessagingMetrics;
  /** Where the channel comes from; unit tests pass a fake. */
  channelFactory?: ChannelFactory;
}

/** A message ready to publish: routing, body and every property, fixed when it was prepared. */
export interface PreparedMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: Options.Publish & { messageId: string };
}

/** Per-message options, passed by wrapping the payload in Nest's `RmqRecord`. */
export type PublishOptions = Pick<Options.Publish, 'headers' | 'correlationId' | 'messageId'>;

/** RabbitMQ's pseudo-queue for direct reply-to: replies without a reply queue to declare. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

interface PendingReply {
  pattern: string;
  callback: (packet: WritePacket) => void;
  timer: NodeJS.Timeout;
  startedAt: number;
}

/**
 * A Nest `ClientProxy` for RabbitMQ whose `emit()` completes only once the broker confirmed a
 * persistent, routed message, and whose `send()` uses direct reply-to with a timeout. While the
 * broker is away both fail after a bounded wait instead of buffering.
 */
export class RabbitClient extends ClientProxy implements OnApplicationShutdown {
  private readonly channel: BrokerChannel;
  private closing?: Promise<void>;
  private readonly beforeCloseHooks: (() => Promise<void>)[] = [];
  private readonly logger = new Logger(RabbitClient.name);
  private readonly pendingReplies = new Map<string, PendingReply>();
  private readonly unconfirmed = new Set<Promise<void>>();

  constructor(private readonly options: RabbitClientOptions) {
    super();
    this.channel = (options.channelFactory ?? managedChannel)({
      ...options,
      connectionName: `${options.connectionName} (publisher)`,
      logger: this.logger,
      setup: (channel) => this.setup(channel),
    });
    const { metrics } = options;
    if (metrics) {
      this.channel.onStateChange((state) =>
        metrics.connectionUp.set({ role: 'publisher' }, state === 'ready' ? 1 : 0),
      );
    }
  }

  /** Starts connecting in the background; publishes wait (bounded) for the connection. */
  connect(): Promise<void> {
    this.channel.start();
    return Promise.resolve();
  }

  /** Whether publishing would go out right now: the readiness signal. */
  isConnected(): boolean {
    return this.channel.isReady();
  }

  /** Closes after the HTTP server and the consumers are closed, so in-flight work can still publish. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Runs `hook` (e.g. the outbox relay's final flush) before the client stops publishing. */
  beforeClose(hook: () => Promise<void>): void {
    this.beforeCloseHooks.push(hook);
  }

  /** Waits (bounded) for outstanding confirms, fails pending requests, then closes the connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const hook of this.beforeCloseHooks.splice(0)) {
      await hook().catch((error: unknown) => {
        this.logger.warn(`Before closing the client: ${String(error)}`);
      });
    }
    if (this.unconfirmed.size > 0) {
      await Promise.race([
        Promise.allSettled([...this.unconfirmed]),
        delay(this.options.publishTimeoutMs, undefined, { ref: false }),
      ]);
    }
    // Requests still waiting get no reply now: they time out after what they have waited so far.
    for (const id of [...this.pendingReplies.keys()]) {
      const pending = this.takePending(id, 'timeout');
      const waitedMs = pending ? Math.round(performance.now() - pending.startedAt) : 0;
      pending?.callback({ err: new RequestTimeoutError(pending.pattern, waitedMs) });
    }
    await this.channel.close();
  }

  unwrap<T>(): T {
    return this.channel as T;
  }

  /**
   * Publishes at once and completes when the broker confirmed, like Nest's `emit()`, without the
   * `defer`/`mergeMap`/`connectable` chain Nest builds per message to await `connect()`: our publish
   * already waits (bounded) for the connection. That chain was most of the publisher's rxjs cost.
   */
  override emit<TResult = void, TInput = unknown>(
    pattern: unknown,
    data: TInput,
  ): Observable<TResult> {
    if (pattern === undefined || pattern === null || data === undefined || data === null) {
      return super.emit(pattern, data);
    }
    try {
      return from(this.dispatchEvent<TResult>(this.createPacket(pattern, data)));
    } catch (error) {
      // E.g. a payload JSON cannot serialise: an erroring Observable, as Nest's emit() gives.
      return throwError(() => error);
    }
  }

  /** Sends on subscription, like Nest's `send()`, without its per-request `connect()` chain. */
  override send<TResult = unknown, TInput = unknown>(
    pattern: unknown,
    data: TInput,
  ): Observable<TResult> {
    if (pattern === undefined || pattern === null || data === undefined || data === null) {
      return super.send(pattern, data);
    }
    return new Observable<TResult>((observer) =>
      this.publish(this.createPacket(pattern, data), this.createObserver(observer)),
    );
  }

  protected dispatchEvent<T = void>(packet: ReadPacket): Promise<T> {
    const { data, options } = unwrapRecord(packet.data);
    return this.publishPrepared(
      this.prepare(packet.pattern as string, data, options),
    ) as Promise<T>;
  }

  /**
   * The message `emit()` would publish, with its id, correlation, causation and trace headers fixed
   * now: what the outbox stores inside a transaction, for the relay to publish as it is.
   */
  prepare(pattern: string, data: unknown, options: PublishOptions = {}): PreparedMessage {
    const routingKey = this.normalizePattern(pattern);
    const messageId = options.messageId ?? derivedMessageId(routingKey);
    return {
      exchange: this.options.exchange,
      routingKey,
      content: Buffer.from(JSON.stringify({ pattern: routingKey, data })),
      properties: { ...this.properties(routingKey, messageId, options), persistent: true },
    };
  }

  /** Publishes a prepared message (persistent, mandatory, confirmed), e.g. from the outbox. */
  publishPrepared(message: PreparedMessage): Promise<void> {
    const { exchange, routingKey, content, properties } = message;
    const confirmed = this.channel.publish(
      exchange,
      routingKey,
      content,
      properties,
      this.options.publishTimeoutMs,
    );
    this.unconfirmed.add(confirmed);
    const startedAt = performance.now();
    void confirmed.then(
      () => {
        this.unconfirmed.delete(confirmed);
        this.recordPublish(routingKey, 'confirmed', startedAt);
      },
      (error: unknown) => {
        this.unconfirmed.delete(confirmed);
        this.recordPublish(routingKey, publishResultOf(error), startedAt);
      },
    );
    return confirmed;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const pattern = this.normalizePattern(packet.pattern as string);
    const { data, options } = unwrapRecord(packet.data);
    const messageId = randomUUID();
    const timeoutMs = this.options.requestTimeoutMs;
    // Serialised first: a payload that cannot be sent throws before anything waits for a reply.
    const content = Buffer.from(JSON.stringify({ pattern, data, id: messageId }));
    const timer = setTimeout(() => {
      const pending = this.takePending(messageId, 'timeout');
      if (pending) {
        this.options.metrics?.requestTimeouts.inc({ pattern });
        pending.callback({ err: new RequestTimeoutError(pattern, timeoutMs) });
      }
    }, timeoutMs);
    this.pendingReplies.set(messageId, { pattern, callback, timer, startedAt: performance.now() });

    this.channel
      .publish(
        this.options.exchange,
        pattern,
        content,
        {
          ...this.requestProperties(pattern, messageId, options),
          replyTo: DIRECT_REPLY_TO,
          // The request dies with the caller's patience, so nobody handles an abandoned request.
          expiration: String(timeoutMs),
          persistent: false,
        },
        Math.min(this.options.publishTimeoutMs, timeoutMs),
      )
      .catch((error: unknown) => {
        const pending = this.takePending(messageId, 'error');
        pending?.callback({ err: error });
      });

    return () => {
      this.takePending(messageId);
    };
  }

  private async setup(channel: ConfirmChannel): Promise<void> {
    await declareExchange(channel, this.options.exchange);
    await channel.consume(DIRECT_REPLY_TO, (msg) => this.onReply(msg), { noAck: true });
  }

  private onReply(msg: ConsumeMessage | null): void {
    const id = msg?.properties.correlationId as string | undefined;
    const pending = id ? this.takePending(id, 'ok') : undefined;
    if (!msg || !pending) {
      return;
    }
    let reply: { response?: unknown; err?: SerializedError };
    try {
      reply = JSON.parse(msg.content.toString('utf8')) as typeof reply;
    } catch {
      pending.callback({
        err: new RemoteHandlerError(pending.pattern, {
          name: 'MalformedReplyError',
          message: 'The reply is not valid JSON',
        }),
      });
      return;
    }
    if (reply.err) {
      pending.callback({ err: new RemoteHandlerError(pending.pattern, reply.err) });
    } else {
      pending.callback({ response: reply.response, isDisposed: true });
    }
  }

  private takePending(id: string, result?: 'ok' | 'error' | 'timeout'): PendingReply | undefined {
    const pending = this.pendingReplies.get(id);
    if (pending) {
      clearTimeout(pending.timer);
      this.pendingReplies.delete(id);
      if (result) {
        this.options.metrics?.requestDuration.observe(
          { pattern: pending.pattern, result },
          (performance.now() - pending.startedAt) / 1_000,
        );
      }
    }
    return pending;
  }

  private recordPublish(pattern: string, result: PublishResult, startedAt: number): void {
    const metrics = this.options.metrics;
    metrics?.published.inc({ pattern, result });
    if (result === 'confirmed') {
      metrics?.confirmLatency.observe({ pattern }, (performance.now() - startedAt) / 1_000);
    }
  }

  /**
   * A request's `correlationId` is its own id, which the reply echoes (the AMQP convention every
   * RPC client follows); the flow's correlation id travels in `x-correlation-id`.
   */
  private requestProperties(
    pattern: string,
    messageId: string,
    options: PublishOptions,
  ): Options.Publish & { messageId: string } {
    const properties = this.properties(pattern, messageId, options);
    return {
      ...properties,
      correlationId: messageId,
      headers: {
        ...(properties.headers as Record<string, unknown>),
        [MessageHeaders.CorrelationId]: properties.correlationId,
      },
    };
  }

  private properties(
    pattern: string,
    messageId: string,
    options: PublishOptions,
  ): Options.Publish & { messageId: string } {
    const context = CorrelationContext.current();
    const causation = context?.causationId
      ? { [MessageHeaders.CausationId]: context.causationId }
      : {};
    const headers: Record<string, unknown> = {
      ...causation,
      ...(options.headers as Record<string, unknown> | undefined),
    };
    // W3C traceparent/tracestate, when an OpenTelemetry SDK is installed; a no-op otherwise.
    propagation.inject(otelContext.active(), headers);
    return {
      messageId,
      correlationId: options.correlationId ?? context?.correlationId ?? messageId,
      timestamp: Math.floor(Date.now() / 1000),
      contentType: JSON_CONTENT_TYPE,
      appId: this.options.serviceName,
      type: pattern,
      headers,
    };
  }
}

/**
 * A message published while handling another gets an id derived from the cause, the pattern and
 * its position, so when a redelivered message's handler runs again its follow-ups carry the same
 * ids and downstream consumers drop them as duplicates. Anything else gets a random id.
 */
function derivedMessageId(pattern: string): string {
  const context = CorrelationContext.current();
  if (!context?.causationId) {
    return randomUUID();
  }
  context.published = (context.published ?? 0) + 1;
  return nameBasedUuid(`${context.causationId}\n${pattern}\n${context.published}`);
}

function publishResultOf(error: unknown): PublishResult {
  if (error instanceof UnroutableMessageError) {
    return 'unroutable';
  }
  if (error instanceof PublishRejectedError) {
    return 'rejected';
  }
  return error instanceof BrokerUnavailableError ? 'unavailable' : 'failed';
}

function unwrapRecord(payload: unknown): { data: unknown; options: PublishOptions } {
  if (payload instanceof RmqRecord) {
    return { data: payload.data, options: payload.options ?? {} };
  }
  return { data: payload, options: {} };
}
