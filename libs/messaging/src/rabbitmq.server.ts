import { Logger } from '@nestjs/common';
import {
  CustomTransportStrategy,
  RmqContext,
  Server,
  type MessageHandler,
} from '@nestjs/microservices';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { context as otelContext, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { lastValueFrom } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { GroupCommit } from '@app/persistence';
import { DeliveryAcks } from './delivery-acks';
import { deathHeadersProblem, readAttempt } from './delivery-headers';
import type { HandlerExtras } from './handler-decorators';
import { CorrelationContext } from '@app/platform';
import { DependencyGate } from './dependency-gate';
import { copyProperties, decideFailure, failureHeaders } from './failure-copy';
import {
  managedChannel,
  type BrokerChannel,
  type ChannelFactory,
  type ManagedChannelOptions,
  type PublishProperties,
} from './managed-channel';
import { JSON_CONTENT_TYPE, MessageHeaders } from './message-headers';
import { MessageTurns, type Settlement } from './message-turns';
import type { Inbox } from './outbox/inbox';
import {
  DependencyUnavailableError,
  HandlerRegistryMismatchError,
  MalformedHeaderError,
  MalformedMessageError,
  MessageEncodingError,
  MisroutedMessageError,
  NoHandlerError,
  serializeError,
  unavailableDependency,
  type SerializedError,
} from './messaging.errors';
import type { ConsumeListener, ConsumeOutcome } from './consume-outcome';
import type { MessagingMetrics } from './messaging.metrics';
import type { ProcessedMessageStore } from './processed-message-store';
import { declareTopology, queueNames, type TopologyOptions } from './queue-topology';
import { retryDelays } from './retry-policy';

/** Settings of the consuming side; see MessagingConfig for their environment variables and defaults. */
export interface RabbitServerOptions
  extends Omit<ManagedChannelOptions, 'setup' | 'logger' | 'maxWaiters'>, TopologyOptions {
  /** Unacked deliveries per consumer: bounds concurrency and memory. */
  prefetch: number;
  /** How long shutdown waits for in-flight handlers before closing anyway. */
  drainTimeoutMs: number;
  /** Bound on each retry or dead-letter publish. */
  publishTimeoutMs: number;
  processedStore: ProcessedMessageStore;
  metrics?: MessagingMetrics;
  /**
   * The patterns this service must handle (from the contract registry): listening fails with
   * HandlerRegistryMismatchError when a handler is missing or a handler is not in the list.
   */
  expectedPatterns?: readonly string[];
  /** Where the channel comes from; unit tests pass a fake. */
  channelFactory?: ChannelFactory;
  /**
   * The service's database: handlers marked transactional run in a transaction with an inbox row
   * (de-duplication that commits with their effects) and their publishes go to the outbox.
   */
  transactions?: { groupCommit: GroupCommit; inbox: Inbox };
}

/** Whether the service takes deliveries right now, and if not, why: the readiness signal. */
export interface ConsumerStatus {
  consuming: boolean;
  reason?: string;
}

interface Packet {
  pattern: string;
  data: unknown;
  /** Whether it came in Nest's `{ pattern, data }` envelope: a reply then answers in Nest's. */
  enveloped: boolean;
}

type ConsumerKind = 'event' | 'request';

/** The next thing to do for a delivery; the steps that wait for a dependency repeat only themselves. */
type Step =
  | { kind: 'handle' }
  | { kind: 'record' }
  | {
      kind: 'move';
      target: string;
      properties: PublishProperties;
      outcome: 'retried' | 'dead-lettered';
      error: unknown;
    };

/** The metric label of every pattern this service has no handler for. */
const UNKNOWN_PATTERN = 'unknown';

/** How long the pause after a dependency failure starts and how long it grows to. */
const DEPENDENCY_BACKOFF = { initialMs: 500, maxMs: 15_000 };
/** Re-subscribing after the broker cancelled a consumer: first wait and longest wait. */
const RESUBSCRIBE_BACKOFF = { initialMs: 500, maxMs: 30_000 };

/**
 * A Nest transport strategy for RabbitMQ that keeps `@EventPattern` / `@MessagePattern` handlers but
 * acks only after a handler finished, retries transient failures through delay queues, dead-letters
 * permanent ones with the reason, skips messages it already processed, pauses while a dependency
 * is away, re-subscribes when the broker cancels it, and drains on shutdown.
 */
export class RabbitServer extends Server implements CustomTransportStrategy {
  /** Makes Nest hand event-handler errors back to us instead of only logging them. */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(RabbitServer.name);

  private readonly channel: BrokerChannel;
  private readonly names: ReturnType<typeof queueNames>;
  private readonly retryQueues: Set<string>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly turns = new MessageTurns();
  /** The acks of each consumer channel's deliveries, batched (see DeliveryAcks). */
  private readonly acks = new WeakMap<ConfirmChannel, DeliveryAcks>();
  private readonly gate: DependencyGate;
  private readonly consumeListeners = new Set<ConsumeListener>();
  /** Consumer tags by kind, on {@link consumerChannel}. */
  private readonly consumers = new Map<ConsumerKind, string>();
  private consumerChannel?: ConfirmChannel;
  /** Why a consumer the broker cancelled is not back yet. */
  private cancelled?: { kind: ConsumerKind; since: Date; attempt: number; timer?: NodeJS.Timeout };
  private draining = false;

  constructor(private readonly options: RabbitServerOptions) {
    super();
    this.names = queueNames(options.queue);
    this.retryQueues = new Set(retryDelays(options.retry).map((ms) => this.names.retry(ms)));
    this.channel = (options.channelFactory ?? managedChannel)({
      ...options,
      connectionName: `${options.connectionName} (consumer)`,
      maxWaiters: Math.max(1_000, options.prefetch * 4),
      logger: this.logger,
      setup: (channel) => this.setup(channel),
    });
    this.gate = new DependencyGate(
      {
        pause: (dependency) => this.pause(dependency),
        resume: () => this.resume(),
      },
      DEPENDENCY_BACKOFF,
    );
    this.channel.onStateChange((state) => {
      if (state === 'lost') {
        this.consumers.clear();
        this.consumerChannel = undefined;
        this.stopResubscribing();
        // Held deliveries went back to the queue with the channel: let their waits end.
        this.gate.releaseAll();
      }
      options.metrics?.connectionUp.set({ role: 'consumer' }, state === 'ready' ? 1 : 0);
    });
    const { metrics } = options;
    if (metrics) {
      this.onConsume(({ pattern, outcome, durationMs }) =>
        metrics.observeConsume(this.metricLabel(pattern), outcome, durationMs),
      );
    }
  }

  listen(callback: (error?: unknown) => void): void {
    const mismatch = this.handlerMismatch();
    if (mismatch) {
      callback(mismatch);
      return;
    }
    let settled = false;
    this.channel.onStateChange((state, error) => {
      if (settled || (state !== 'ready' && state !== 'fatal')) {
        return;
      }
      settled = true;
      callback(state === 'fatal' ? error : undefined);
    });
    this.channel.start();
  }

  /** Stops taking deliveries, lets in-flight handlers finish (bounded), then closes the connection. */
  async close(): Promise<void> {
    this.draining = true;
    this.stopResubscribing();
    await this.cancelConsumers();
    // Deliveries waiting for a dependency give up now; closing the channel returns them.
    this.gate.stop();
    if (this.inFlight.size > 0) {
      this.logger.log(`Draining ${this.inFlight.size} in-flight message(s)`);
      const finished = await Promise.race([
        Promise.allSettled([...this.inFlight]).then(() => true),
        delay(this.options.drainTimeoutMs, false, { ref: false }),
      ]);
      if (!finished) {
        this.logger.warn(
          `${this.inFlight.size} handler(s) still running after ${this.options.drainTimeoutMs} ms; ` +
            'their messages will be redelivered',
        );
      }
    }
    if (this.consumerChannel) {
      this.acksOf(this.consumerChannel).flush();
    }
    await this.channel.close();
    await this.options.processedStore.close?.();
    this.logger.log('Stopped consuming; the connection is closed');
  }

  /** True while the service's consumers are subscribed: the readiness signal. */
  isConsuming(): boolean {
    return this.consumerStatus().consuming;
  }

  /** Readiness with its reason: connected, subscribed, not paused for a dependency, not draining. */
  consumerStatus(): ConsumerStatus {
    if (this.draining) {
      return { consuming: false, reason: 'shutting down' };
    }
    if (!this.channel.isReady()) {
      return { consuming: false, reason: 'not connected to RabbitMQ' };
    }
    const outage = this.gate.outage();
    if (outage) {
      return {
        consuming: false,
        reason:
          `paused since ${outage.since.toISOString()}: ${outage.dependency} is unavailable ` +
          `(${outage.waiting} message(s) waiting for it)`,
      };
    }
    if (this.cancelled) {
      return {
        consuming: false,
        reason:
          `the broker cancelled the ${this.cancelled.kind} consumer at ` +
          `${this.cancelled.since.toISOString()} (queue deleted or its node lost); ` +
          `re-subscribing, attempt ${this.cancelled.attempt}`,
      };
    }
    const missing = this.expectedConsumers().filter((kind) => !this.consumers.has(kind));
    return missing.length === 0
      ? { consuming: true }
      : { consuming: false, reason: `not subscribed yet (${missing.join(', ')})` };
  }

  /** Registers a listener for delivery outcomes. */
  onConsume(listener: ConsumeListener): void {
    this.consumeListeners.add(listener);
  }

  on(): void {
    throw new Error('RabbitServer does not emit transport events; use onConsume()');
  }

  unwrap<T>(): T {
    return this.channel as T;
  }

  /**
   * A metric label: only patterns this service handles, so a made-up pattern in a message body
   * adds no time series (anyone who can publish could otherwise grow memory without bound).
   */
  private metricLabel(pattern: string): string {
    return this.messageHandlers.has(pattern) ? pattern : UNKNOWN_PATTERN;
  }

  /** The start-up check of the handlers against the contract registry. */
  private handlerMismatch(): HandlerRegistryMismatchError | undefined {
    const expected = this.options.expectedPatterns;
    if (!expected) {
      return undefined;
    }
    const handled = [...this.messageHandlers.keys()];
    const missing = expected.filter((pattern) => !this.messageHandlers.has(pattern));
    const unexpected = handled.filter((pattern) => !expected.includes(pattern));
    return missing.length > 0 || unexpected.length > 0
      ? new HandlerRegistryMismatchError(missing, unexpected)
      : undefined;
  }

  private patternsByKind(): { events: string[]; requests: string[] } {
    const events: string[] = [];
    const requests: string[] = [];
    for (const [pattern, handler] of this.messageHandlers) {
      (handler.isEventHandler ? events : requests).push(pattern);
    }
    return { events, requests };
  }

  private expectedConsumers(): ConsumerKind[] {
    return this.patternsByKind().requests.length > 0 ? ['event', 'request'] : ['event'];
  }

  private async setup(channel: ConfirmChannel): Promise<void> {
    await declareTopology(channel, this.options, this.patternsByKind());
    await channel.prefetch(this.options.prefetch);
    this.consumerChannel = channel;
    this.consumers.clear();
    if (this.draining || this.gate.outage()) {
      // While a dependency is away the gate resumes consumption when it is time to probe again.
      return;
    }
    await this.subscribe(channel);
  }

  /** Starts the consumers that are not running on `channel`. */
  private async subscribe(channel: ConfirmChannel): Promise<void> {
    for (const kind of this.expectedConsumers()) {
      if (this.consumers.has(kind)) {
        continue;
      }
      const queue = kind === 'event' ? this.names.work : this.names.requests;
      const { consumerTag } = await channel.consume(queue, (msg) => this.track(channel, msg, kind));
      if (channel === this.consumerChannel) {
        this.consumers.set(kind, consumerTag);
      }
    }
  }

  private async cancelConsumers(): Promise<void> {
    const channel = this.consumerChannel;
    const tags = [...this.consumers.values()];
    this.consumers.clear();
    if (channel) {
      await Promise.all(tags.map((tag) => channel.cancel(tag).catch(() => undefined)));
    }
  }

  /** The gate's hook: a dependency is away, so stop taking deliveries (the held ones stay ours). */
  private pause(dependency: string): void {
    this.logger.warn(
      `Pausing consumption: ${dependency} is unavailable; messages wait for it instead of using up ` +
        'their attempts',
    );
    this.options.metrics?.consumerPaused.set(1);
    void this.cancelConsumers();
  }

  /** The gate's hook: the dependency is back (or it is time to probe with a new delivery). */
  private resume(): void {
    this.options.metrics?.consumerPaused.set(0);
    const channel = this.consumerChannel;
    if (!channel || this.draining) {
      return;
    }
    this.logger.log('Resuming consumption');
    this.subscribe(channel).catch((error: unknown) => {
      // The channel closed meanwhile; its reopening subscribes again.
      this.logger.warn(`Could not resume consuming: ${String(error)}`);
    });
  }

  private track(channel: ConfirmChannel, msg: ConsumeMessage | null, kind: ConsumerKind): void {
    if (!msg) {
      this.onCancelledByBroker(channel, kind);
      return;
    }
    if (this.draining) {
      safely(() => channel.nack(msg, false, true));
      return;
    }
    this.acksOf(channel).received(msg);
    const work = (
      kind === 'event' ? this.consumeEvent(channel, msg) : this.consumeRequest(channel, msg)
    )
      .catch((error: unknown) => {
        // Left unsettled: the broker delivers it again once the channel closes.
        this.acksOf(channel).leave(msg);
        this.logger.error(`Unexpected failure handling a message: ${String(error)}`);
      })
      .finally(() => {
        this.inFlight.delete(work);
        this.options.metrics?.inFlight.dec();
      });
    this.inFlight.add(work);
    this.options.metrics?.inFlight.inc();
  }

  /**
   * The broker cancels a consumer when its queue is deleted or the queue's node is lost. Readiness
   * goes down at once; the topology is declared again and the consumer re-subscribed, with back-off,
   * until it works or the channel closes (whose reopening does the same).
   */
  private onCancelledByBroker(channel: ConfirmChannel, kind: ConsumerKind): void {
    if (channel !== this.consumerChannel) {
      return;
    }
    this.consumers.delete(kind);
    if (this.draining) {
      return;
    }
    this.logger.error(
      `The broker cancelled the ${kind} consumer (was the queue deleted, or its node lost?); ` +
        're-declaring the topology and re-subscribing',
    );
    if (!this.cancelled) {
      this.cancelled = { kind, since: new Date(), attempt: 0 };
      this.scheduleResubscribe(channel);
    }
  }

  private scheduleResubscribe(channel: ConfirmChannel): void {
    const cancelled = this.cancelled;
    if (!cancelled) {
      return;
    }
    const waitMs = Math.min(
      RESUBSCRIBE_BACKOFF.initialMs * 2 ** cancelled.attempt,
      RESUBSCRIBE_BACKOFF.maxMs,
    );
    cancelled.timer = setTimeout(() => void this.resubscribe(channel), waitMs);
    cancelled.timer.unref();
  }

  private async resubscribe(channel: ConfirmChannel): Promise<void> {
    const cancelled = this.cancelled;
    if (!cancelled || channel !== this.consumerChannel || this.draining) {
      return;
    }
    cancelled.attempt += 1;
    try {
      await declareTopology(channel, this.options, this.patternsByKind());
      if (!this.gate.outage()) {
        await this.subscribe(channel);
      }
      this.logger.log(`Re-subscribed after the broker cancelled the ${cancelled.kind} consumer`);
      this.cancelled = undefined;
    } catch (error) {
      this.logger.warn(
        `Re-subscribing failed (attempt ${cancelled.attempt}): ${error instanceof Error ? error.message : String(error)}`,
      );
      this.scheduleResubscribe(channel);
    }
  }

  private stopResubscribing(): void {
    clearTimeout(this.cancelled?.timer);
    this.cancelled = undefined;
  }

  private acksOf(channel: ConfirmChannel): DeliveryAcks {
    let acks = this.acks.get(channel);
    if (!acks) {
      acks = new DeliveryAcks(channel);
      this.acks.set(channel, acks);
    }
    return acks;
  }

  /** Acks a delivery (batched with the others finished in this turn); resolves once it is sent. */
  private ack(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    return this.acksOf(channel).ack(msg);
  }

  /** Whether `channel` still carries this service's deliveries, so holding one of them makes sense. */
  private holds(channel: ConfirmChannel): boolean {
    return channel === this.consumerChannel && !this.draining;
  }

  private async consumeEvent(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const messageId = nonEmptyString(msg.properties.messageId);
    const turn = messageId ? await this.turns.take(messageId) : undefined;
    let settlement: Settlement = 'unsettled';
    try {
      settlement = await this.settleEvent(channel, msg, messageId, turn?.previous);
    } finally {
      turn?.end(settlement);
    }
  }

  /**
   * Takes one delivery to its end: acked after its handler, a copy confirmed in a delay or the
   * dead-letter queue, or — only when its channel is gone — left to the broker to deliver again.
   * A step that fails because a dependency is away waits for it and is repeated; it never turns
   * into a retry or a dead letter.
   */
  private async settleEvent(
    channel: ConfirmChannel,
    msg: ConsumeMessage,
    messageId: string | undefined,
    previous: Settlement | undefined,
    first: Step = { kind: 'handle' },
  ): Promise<Settlement> {
    const started = performance.now();
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    let pattern = originalRoutingKey(msg);
    const report = (outcome: ConsumeOutcome, error?: unknown) =>
      this.report({ pattern, outcome, messageId, durationMs: performance.now() - started, error });

    if (previous === 'settled') {
      // An earlier delivery of this message (whose channel closed) already settled it.
      await this.ack(channel, msg);
      report('duplicate');
      return 'settled';
    }
    let step: Step = first;
    let attempt = 1;
    let encodingFallback = false;
    for (;;) {
      try {
        if (step.kind === 'handle') {
          const reading = readAttempt(headers, (queue) => this.retryQueues.has(queue));
          const deathProblem = deathHeadersProblem(headers);
          if ('problem' in reading || deathProblem) {
            step = this.moveStep(
              msg,
              new MalformedHeaderError('problem' in reading ? reading.problem : deathProblem),
              1,
              deathProblem !== undefined,
            );
            continue;
          }
          attempt = reading.attempt;
          const packet = this.parse(msg);
          pattern = packet.pattern;
          const handler = this.handlerFor(packet.pattern);
          if (!handler?.isEventHandler) {
            throw new NoHandlerError(packet.pattern);
          }
          const transactions = this.options.transactions;
          if (transactions && isTransactional(handler)) {
            // Inbox row, the handler's changes and its outbox rows commit together (in one
            // transaction with other deliveries under load: group commit); then the ack.
            const handled = await transactions.groupCommit.run(async () => {
              if (messageId && !(await transactions.inbox.accept(messageId))) {
                return false;
              }
              await this.invoke(handler, packet, msg, channel);
              return true;
            });
            this.gate.recovered();
            await this.ack(channel, msg);
            if (!handled) {
              this.options.metrics?.inboxDuplicates.inc({ pattern: this.metricLabel(pattern) });
            }
            report(handled ? 'acked' : 'duplicate');
            return 'settled';
          }
          if (messageId && (await this.isProcessed(messageId))) {
            this.gate.recovered();
            await this.ack(channel, msg);
            report('duplicate');
            return 'settled';
          }
          await this.invoke(handler, packet, msg, channel);
          step = { kind: 'record' };
        }
        if (step.kind === 'record') {
          if (messageId) {
            await this.markProcessed(messageId);
          }
          this.gate.recovered();
          await this.ack(channel, msg);
          report('acked');
          return 'settled';
        }
        await this.channel.publish(
          '',
          step.target,
          msg.content,
          step.properties,
          this.options.publishTimeoutMs,
        );
        this.gate.recovered();
        await this.ack(channel, msg);
        this.logMove(step, pattern);
        report(step.outcome, step.error);
        return 'settled';
      } catch (error) {
        let dependency: string | undefined;
        if (step.kind === 'move') {
          if (error instanceof MessageEncodingError && !encodingFallback) {
            // Should not happen (copies are sanitised): send the reasons without the original headers.
            encodingFallback = true;
            step = { ...step, properties: withoutOriginalHeaders(step.properties, error) };
            continue;
          }
          dependency = `the queue ${step.target}`;
          this.logger.error(
            `Could not move a failed "${pattern}" to ${step.target} (${String(error)}); holding it`,
          );
        } else {
          dependency = unavailableDependency(error);
          if (!dependency) {
            step = this.moveStep(msg, error, attempt, false);
            continue;
          }
        }
        if (!this.holds(channel)) {
          this.acksOf(channel).leave(msg);
          report('requeued', error);
          return 'unsettled';
        }
        await this.gate.waitFor(dependency);
        if (!this.holds(channel)) {
          this.acksOf(channel).leave(msg);
          report('requeued', error);
          return 'unsettled';
        }
      }
    }
  }

  /** Where a failed delivery goes, and the copy that goes there. */
  private moveStep(
    msg: ConsumeMessage,
    error: unknown,
    attempt: number,
    dropDeathHeaders: boolean,
    fromQueue = this.names.work,
  ): Step {
    const decision = decideFailure(error, attempt, this.options.retry);
    const retry = decision.action === 'retry';
    return {
      kind: 'move',
      target: retry ? this.names.retry(decision.delayMs) : this.names.deadLetter,
      outcome: retry ? 'retried' : 'dead-lettered',
      error,
      properties: copyProperties(msg, {
        headers: failureHeaders(
          msg,
          error,
          retry ? decision.nextAttempt : decision.attempt,
          fromQueue,
        ),
        dropDeathHeaders,
      }),
    };
  }

  private logMove(step: Extract<Step, { kind: 'move' }>, pattern: string): void {
    const failure = serializeError(step.error);
    const attempt = (step.properties.headers as Record<string, unknown>)[MessageHeaders.Attempt];
    if (step.outcome === 'retried') {
      this.logger.warn(
        `Attempt ${Number(attempt) - 1} of "${pattern}" failed (${failure.name}: ${failure.message}); ` +
          `retrying via ${step.target}`,
      );
    } else {
      this.logger.error(
        `Dead-lettered "${pattern}" to ${step.target} after ${String(attempt)} attempt(s): ` +
          `${failure.name}: ${failure.message}`,
      );
    }
  }

  /** The processed-message store, whose failures are a dependency's, not the message's. */
  private async isProcessed(messageId: string): Promise<boolean> {
    try {
      return await this.options.processedStore.has(messageId);
    } catch (error) {
      throw new DependencyUnavailableError('the processed-message store', { cause: error });
    }
  }

  private async markProcessed(messageId: string): Promise<void> {
    try {
      await this.options.processedStore.add(messageId);
    } catch (error) {
      throw new DependencyUnavailableError('the processed-message store', { cause: error });
    }
  }

  private async consumeRequest(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const started = performance.now();
    const { messageId, correlationId, replyTo } = msg.properties as {
      messageId?: string;
      correlationId?: string;
      replyTo?: string;
    };
    if (!replyTo) {
      // Nobody waits for an answer: an event sent to the request queue. Acking it would lose it.
      const misrouted = new MisroutedMessageError(
        `A message without reply_to arrived on the request queue ${this.names.requests}; ` +
          'events go to the exchange with their pattern as the routing key',
      );
      await this.settleEvent(
        channel,
        msg,
        nonEmptyString(messageId),
        undefined,
        this.moveStep(msg, misrouted, 1, false, this.names.requests),
      );
      return;
    }
    let pattern = msg.fields.routingKey;
    let enveloped = true;
    let result: { response: unknown } | { error: SerializedError };
    try {
      const packet = this.parse(msg);
      pattern = packet.pattern;
      enveloped = packet.enveloped;
      const handler = this.handlerFor(packet.pattern);
      if (!handler || handler.isEventHandler) {
        throw new NoHandlerError(packet.pattern);
      }
      result = { response: await this.invoke(handler, packet, msg, channel) };
    } catch (error) {
      const err = serializeError(error);
      this.logger.warn(`Request "${pattern}" failed: ${err.message}`);
      result = { error: err };
    }
    const reply = replyMessage(result, enveloped);
    safely(() =>
      channel.sendToQueue(replyTo, reply.body, {
        // The request's correlation_id, as every AMQP RPC client expects; its id when it set none.
        correlationId: correlationId ?? messageId,
        contentType: JSON_CONTENT_TYPE,
        headers: reply.headers,
      }),
    );
    await this.ack(channel, msg);
    this.report({
      pattern,
      outcome: 'replied',
      messageId,
      durationMs: performance.now() - started,
    });
  }

  /**
   * Our patterns are plain strings, so look them up directly first: Nest's getHandlerByPattern
   * tries JSON.parse on every pattern, and the SyntaxError it throws and catches per message cost
   * about 4 % of the consumer's CPU in the benchmark.
   */
  private handlerFor(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? this.getHandlerByPattern(pattern);
  }

  /** Accepts Nest's `{ pattern, data }` envelope, or a bare JSON payload routed by its routing key. */
  private parse(msg: ConsumeMessage): Packet {
    let body: unknown;
    try {
      body = JSON.parse(msg.content.toString('utf8'));
    } catch {
      throw new MalformedMessageError('The message body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new MalformedMessageError('The message body is not a JSON object');
    }
    const envelope = body as { pattern?: unknown; data?: unknown };
    if ('pattern' in envelope) {
      if (typeof envelope.pattern !== 'string') {
        throw new MalformedMessageError('The message "pattern" is not a string');
      }
      return { pattern: envelope.pattern, data: envelope.data, enveloped: true };
    }
    return { pattern: originalRoutingKey(msg), data: body, enveloped: false };
  }

  private async invoke(
    handler: MessageHandler,
    packet: Packet,
    msg: ConsumeMessage,
    channel: ConfirmChannel,
  ): Promise<unknown> {
    const context = new RmqContext([msg, channel, packet.pattern]);
    // Continue the publisher's trace when an OpenTelemetry SDK is installed; a no-op otherwise.
    const trace = propagation.extract(ROOT_CONTEXT, msg.properties.headers ?? {});
    return otelContext.with(trace, () =>
      CorrelationContext.run(
        {
          correlationId: flowCorrelationId(msg),
          causationId: nonEmptyString(msg.properties.messageId),
        },
        async (): Promise<unknown> => {
          const result = this.transformToObservable<unknown>(await handler(packet.data, context));
          return lastValueFrom(result, { defaultValue: undefined });
        },
      ),
    );
  }

  private report(event: Parameters<ConsumeListener>[0]): void {
    for (const listener of this.consumeListeners) {
      listener(event);
    }
  }
}

/**
 * The routing key a delivery was first published with: a copy coming back from a delay queue
 * carries it in a header (it arrives with the work queue's name as its routing key).
 */
function originalRoutingKey(msg: ConsumeMessage): string {
  const header: unknown = msg.properties.headers?.[MessageHeaders.OriginalRoutingKey];
  return typeof header === 'string' ? header : msg.fields.routingKey;
}

/** A copy's properties with only this layer's headers, when even the sanitised ones failed. */
function withoutOriginalHeaders(
  properties: PublishProperties,
  error: MessageEncodingError,
): PublishProperties {
  const headers = (properties.headers ?? {}) as Record<string, unknown>;
  const ours = Object.fromEntries(
    Object.values(MessageHeaders)
      .filter((name) => headers[name] !== undefined)
      .map((name) => [name, headers[name]]),
  );
  return {
    ...properties,
    headers: {
      ...ours,
      [MessageHeaders.ReplacedHeaders]: [`all original headers: ${error.message.slice(0, 500)}`],
    },
  };
}

/**
 * The business flow a delivery belongs to, for logs and follow-up messages: a request's
 * `x-correlation-id` header, else its `correlationId`, else its `messageId`; a message with neither
 * gets a new id, so its logs and follow-ups can still be tied together.
 */
function flowCorrelationId(msg: ConsumeMessage): string {
  const header: unknown = msg.properties.headers?.[MessageHeaders.CorrelationId];
  return (
    nonEmptyString(header) ??
    nonEmptyString(msg.properties.correlationId) ??
    nonEmptyString(msg.properties.messageId) ??
    randomUUID()
  );
}

/**
 * A reply in the request's own format: Nest's envelope (`{ response, isDisposed }` or
 * `{ err, isDisposed }`) for a request in Nest's envelope; for a bare JSON request, the bare result,
 * or `{ "error": { name, message, code?, details? } }` with the error in `x-error-*` headers too.
 */
function replyMessage(
  result: { response: unknown } | { error: SerializedError },
  enveloped: boolean,
): { body: Buffer; headers?: Record<string, unknown> } {
  if (enveloped) {
    const body =
      'error' in result ? { err: result.error, isDisposed: true } : { ...result, isDisposed: true };
    return { body: Buffer.from(JSON.stringify(body)) };
  }
  if (!('error' in result)) {
    return { body: Buffer.from(JSON.stringify(result.response ?? null)) };
  }
  const { name, message, code } = result.error;
  return {
    body: Buffer.from(JSON.stringify({ error: result.error })),
    headers: {
      [MessageHeaders.ErrorName]: name,
      [MessageHeaders.ErrorMessage]: message.slice(0, 1_000),
      ...(code ? { [MessageHeaders.ErrorCode]: code } : {}),
    },
  };
}

/** Whether a handler was declared transactional (`@OnEvent(pattern, { transactional: true })`). */
function isTransactional(handler: MessageHandler): boolean {
  return (handler.extras as HandlerExtras | undefined)?.transactional === true;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Acks and nacks throw if the channel closed meanwhile; the broker then redelivers, which is fine. */
function safely(operation: () => unknown): void {
  try {
    operation();
  } catch {
    // The delivery goes back to the queue with the channel; de-duplication covers the redelivery.
  }
}
