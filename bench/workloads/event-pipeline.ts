import {
  EventPatterns,
  type OrderEvents,
  type OrderPlacedEvent,
  type OrderRequests,
} from '@app/contracts';
import { MessageBus, queueNames } from '@app/messaging';
import { connectRaw, RawPublisher } from '../raw/raw-amqp';
import type { ChannelModel } from 'amqplib';
import type { CountResult, ProcessedCounter } from '../lib/counter';
import { pump, type PumpResult } from '../lib/load';
import { placedEvents } from '../lib/orders';
import { isPeer, type PeerName } from '../lib/peers';
import {
  CpuMeter,
  keepChildLogs,
  localBrokerPid,
  localDatabasePids,
  ownMemory,
  resetOwnPeak,
} from '../lib/processes';
import { Scope } from '../lib/scope';
import {
  openPeerClient,
  openRabbitClient,
  prepareRun,
  startBenchApp,
  startConsumer,
  startPeerConsumer,
  startRawConsumer,
  startRawDbConsumer,
} from '../lib/services';
import type { BenchSettings } from '../lib/settings';

/** Ours, the raw amqplib baseline, or one of the peers (bench/peers). */
export type Variant = 'ours' | 'raw' | PeerName;

/** What one batch of published events came to: workloads 1 and 5 report the same. */
export interface PublishedBatch {
  events: number;
  /** Events over the time from the first publish to the last confirm. */
  publishPerSec: number;
  /** Events over the time from the first publish to the last order.processed.v1 seen. */
  endToEndPerSec: number;
  lost: number;
  duplicates: number;
  publishErrors: number;
  firstPublishError?: string;
  /** Messages in the consumer's dead-letter queue afterwards (ours only). */
  deadLettered: number;
}

/** Sums up a batch: rates from the first publish, losses and duplicates from the counter. */
export function publishedBatch(
  events: number,
  started: number,
  published: PumpResult,
  processed: CountResult,
  counter: ProcessedCounter,
  deadLettered: number,
): PublishedBatch {
  return {
    events,
    publishPerSec: (events / (published.lastAt - started)) * 1_000,
    endToEndPerSec: processed.complete
      ? (events / (processed.lastAt - started)) * 1_000
      : Number.NaN,
    lost: processed.missing,
    duplicates: counter.duplicates,
    publishErrors: published.errors,
    firstPublishError: published.firstError,
    deadLettered,
  };
}

/** Messages in a service's dead-letter queue. */
export async function deadLetterCount(connection: ChannelModel, queue: string): Promise<number> {
  const channel = await connection.createChannel();
  const { messageCount } = await channel.checkQueue(queueNames(queue).deadLetter);
  await channel.close();
  return messageCount;
}

/** One run of workload 1a (with the database) or 1b (without). */
export interface PipelineRun extends PublishedBatch {
  variant: Variant;
  /** Whether the consumer kept its state in PostgreSQL (1a) or had no database (1b). */
  database: boolean;
  peakRssMb: { consumer: number; bench: number };
  /** CPU µs per event of the consumer, the bench (publisher), the broker and (1a) PostgreSQL. */
  cpuUsPerEvent: Record<string, number>;
}

/** A deadline generous enough for a slow machine, yet bounded. */
export function drainTimeoutMs(messages: number): number {
  return 30_000 + messages * 2;
}

/**
 * Workload 1: N order.placed.v1 events published from the bench (our MessageBus over RabbitClient,
 * a raw confirm channel, or the peer's own client) with the same in-flight window, handled by a
 * consumer in its own process, which publishes order.processed.v1 that the bench counts. With the
 * database (1a): the built consumer app on PostgreSQL, or bench/raw/raw-db-consumer.ts doing the
 * same transaction per event. Without (1b): the consumer's handlers without a database
 * (bench/apps/consumer-no-db), bench/raw/raw-consumer.ts, or the peer's consumer.
 */
export async function runPipeline(
  settings: BenchSettings,
  variant: Variant,
  database: boolean,
): Promise<PipelineRun> {
  const scope = new Scope(`pipeline${database ? '-db' : ''}/${variant}`);
  try {
    const { names, env, connection, counter } = await prepareRun(
      scope,
      settings,
      database ? 'pipeline-db' : 'pipeline',
    );
    if (database && variant !== 'ours' && variant !== 'raw') {
      throw new Error(`${variant} has no variant with a database`);
    }

    let publish: (event: OrderPlacedEvent) => Promise<void>;
    const consumer =
      variant === 'ours'
        ? database
          ? await startConsumer(scope, settings, env, names)
          : await startBenchApp(scope, settings, env, names, 'consumer-no-db')
        : isPeer(variant)
          ? await startPeerConsumer(scope, settings, env, names, variant)
          : database
            ? await startRawDbConsumer(scope, settings, env, names)
            : await startRawConsumer(scope, settings, env, names);
    if (isPeer(variant)) {
      const caller = await openPeerClient(scope, settings, env, variant);
      publish = (event) => caller.publishOrderPlaced(event);
    } else if (variant === 'ours') {
      const bus = new MessageBus<OrderEvents, OrderRequests>(await openRabbitClient(scope, env));
      publish = (event) =>
        bus.publish(EventPatterns.OrderPlaced, event, { messageId: event.orderId });
    } else {
      const publisherConnection = await connectRaw(settings.brokerUrl, 'bench (raw publisher)');
      scope.defer('close the raw publisher', () => publisherConnection.close());
      const publisher = await RawPublisher.create(publisherConnection);
      publish = (event) =>
        publisher.publish(
          names.exchange,
          EventPatterns.OrderPlaced,
          Buffer.from(JSON.stringify({ pattern: EventPatterns.OrderPlaced, data: event })),
          event.orderId,
        );
    }

    const { window } = settings.pipeline;
    const warmup = placedEvents(settings.pipeline.warmup);
    warmup.forEach((event) => counter.expect(event.orderId));
    await pump(warmup, window, publish);
    await counter.waitAll(drainTimeoutMs(warmup.length));

    counter.reset();
    resetOwnPeak();
    const events = placedEvents(settings.pipeline.events);
    events.forEach((event) => counter.expect(event.orderId));
    const cpu = new CpuMeter({
      consumer: consumer.process.pid,
      bench: process.pid,
      broker: localBrokerPid(settings.brokerUrl),
      ...(database ? { database: localDatabasePids(settings.databaseUrl) } : {}),
    }).start();
    const started = performance.now();
    const published = await pump(events, window, publish);
    const processed = await counter.waitAll(drainTimeoutMs(events.length));
    const cpuUsPerEvent = cpu.stop(events.length);
    if (!processed.complete) {
      console.error(
        `  ${processed.missing} event(s) not processed; logs kept in ${keepChildLogs()}`,
      );
    }

    const deadLettered =
      variant === 'ours' ? await deadLetterCount(connection, names.consumerQueue) : 0;
    return {
      variant,
      database,
      ...publishedBatch(events.length, started, published, processed, counter, deadLettered),
      peakRssMb: { consumer: consumer.process.peakRssMb(), bench: ownMemory().hwmMb },
      cpuUsPerEvent,
    };
  } finally {
    await scope.close();
  }
}
