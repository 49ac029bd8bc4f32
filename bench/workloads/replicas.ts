import {
  EventPatterns,
  type OrderEvents,
  type OrderPlacedEvent,
  type OrderRequests,
} from '@app/contracts';
import { MessageBus } from '@app/messaging';
import { pump } from '../lib/load';
import { placedEvents } from '../lib/orders';
import { CpuMeter, keepChildLogs, localBrokerPid, ownMemory, resetOwnPeak } from '../lib/processes';
import { Scope } from '../lib/scope';
import {
  consumedCount,
  openRabbitClient,
  prepareRun,
  startConsumerReplicas,
  type Service,
} from '../lib/services';
import type { BenchSettings } from '../lib/settings';
import {
  deadLetterCount,
  drainTimeoutMs,
  publishedBatch,
  type PublishedBatch,
} from './event-pipeline';

/** One run of workload 5 with a given number of consumer replicas. */
export interface ReplicaRun extends PublishedBatch {
  /** Which of the `runs` repetitions (1-based): scaling compares counts within one repetition. */
  run: number;
  replicas: number;
  /**
   * order.placed.v1 deliveries each replica acked during the measured batch, from its /metrics
   * (`messaging_consumed_total`); undefined for a replica without that metric.
   */
  processedPerReplica: (number | undefined)[];
  /** The lowest and highest share (%) of one replica in the acked events; undefined without metrics. */
  share?: { min: number; max: number };
  cpuUsPerEvent: {
    /** All replicas together. */
    consumers: number;
    perReplica: number[];
    bench?: number;
    broker?: number;
  };
  peakRssMb: { perReplica: number[]; bench: number };
}

/** Acked order.placed.v1 deliveries of each replica so far. */
function consumed(replicas: Service[]): Promise<(number | undefined)[]> {
  return Promise.all(
    replicas.map((replica) => consumedCount(replica.port, EventPatterns.OrderPlaced)),
  );
}

/**
 * Workload 5: the event pipeline (ours) into `replicas` copies of the built consumer app with the
 * same environment, i.e. competing consumers on the same queues. The bench publishes N
 * order.placed.v1 through MessageBus and waits for every order.processed.v1; each replica's
 * /metrics tells how the work was split.
 */
export async function runReplicas(
  settings: BenchSettings,
  replicas: number,
  run: number,
): Promise<ReplicaRun> {
  const scope = new Scope(`replicas/${replicas}`);
  try {
    const { names, env, connection, counter } = await prepareRun(scope, settings, 'replicas');
    const consumers = await startConsumerReplicas(scope, settings, env, names, replicas);
    const bus = new MessageBus<OrderEvents, OrderRequests>(await openRabbitClient(scope, env));
    const publish = (event: OrderPlacedEvent) =>
      bus.publish(EventPatterns.OrderPlaced, event, { messageId: event.orderId });

    // Every replica gets about as much warm-up as the single consumer of the event pipeline.
    const { window } = settings.pipeline;
    const warmup = placedEvents(settings.pipeline.warmup * replicas);
    warmup.forEach((event) => counter.expect(event.orderId));
    await pump(warmup, window, publish);
    await counter.waitAll(drainTimeoutMs(warmup.length));

    counter.reset();
    resetOwnPeak();
    const events = placedEvents(settings.replicas.events);
    events.forEach((event) => counter.expect(event.orderId));
    const before = await consumed(consumers);
    const pids: Record<string, number | undefined> = {
      bench: process.pid,
      broker: localBrokerPid(settings.brokerUrl),
    };
    consumers.forEach((consumer, i) => (pids[`consumer-${i + 1}`] = consumer.process.pid));
    const cpu = new CpuMeter(pids).start();
    const started = performance.now();
    const published = await pump(events, window, publish);
    const processed = await counter.waitAll(drainTimeoutMs(events.length));
    const cpuUs = cpu.stop(events.length);
    if (!processed.complete) {
      console.error(
        `  ${processed.missing} event(s) not processed; logs kept in ${keepChildLogs()}`,
      );
    }

    // A replica publishes order.processed.v1 before its ack, which its metric counts: give the last
    // acks a moment to land in the counters.
    let after = await consumed(consumers);
    const acked = (counts: (number | undefined)[]) =>
      counts.map((count, i) => (count === undefined ? undefined : count - (before[i] ?? 0)));
    const total = (counts: (number | undefined)[]) =>
      acked(counts).reduce<number>((sum, count) => sum + (count ?? 0), 0);
    for (let waited = 0; total(after) < events.length && waited < 2_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await consumed(consumers);
    }
    const processedPerReplica = acked(after);
    const known = processedPerReplica.filter((count) => count !== undefined);
    const sum = total(after);
    const share =
      known.length === replicas && sum > 0
        ? { min: (Math.min(...known) / sum) * 100, max: (Math.max(...known) / sum) * 100 }
        : undefined;

    const deadLettered = await deadLetterCount(connection, names.consumerQueue);

    const perReplica = consumers.map((_, i) => cpuUs[`consumer-${i + 1}`] ?? Number.NaN);
    return {
      run,
      replicas,
      ...publishedBatch(events.length, started, published, processed, counter, deadLettered),
      processedPerReplica,
      share,
      cpuUsPerEvent: {
        consumers: perReplica.reduce((a, b) => a + b, 0),
        perReplica,
        bench: cpuUs.bench,
        broker: cpuUs.broker,
      },
      peakRssMb: {
        perReplica: consumers.map((consumer) => consumer.process.peakRssMb()),
        bench: ownMemory().hwmMb,
      },
    };
  } finally {
    await scope.close();
  }
}
