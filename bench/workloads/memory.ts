import { EventPatterns } from '@app/contracts';
import { TcpProxy } from '@app/testing';
import { httpLoad, pump, type ResponseEvent } from '../lib/load';
import { PLACE_ORDER_BODY, placedEvents } from '../lib/orders';
import { keepChildLogs, type BenchProcess } from '../lib/processes';
import { connectRaw, RawPublisher } from '../raw/raw-amqp';
import { Scope } from '../lib/scope';
import {
  benchNames,
  prepareRun,
  deleteRunTopology,
  heapUsedMb,
  serviceEnv,
  startConsumer,
  startProducer,
} from '../lib/services';
import type { BenchSettings } from '../lib/settings';
import { drainTimeoutMs } from './event-pipeline';

/** One broker outage seen by the producer under load. */
export interface Outage {
  seconds: number;
  /** Responses while the broker was away, by status ("error" for connection errors). */
  responses: Record<string, number>;
  /** Peak producer RSS while the broker was away. */
  peakRssMb: number;
  /** Producer RSS at the end of the up phase that followed. */
  rssAfterMb: number;
  /** Producer V8 heap in use then, from its /metrics (if it has them). */
  heapAfterMb?: number;
  /** From the broker's return to the first 202. */
  recoveryMs: number;
}

/** The producer's memory while the broker comes and goes under constant load. */
export interface BrokerAwayResult {
  connections: number;
  /** Peak producer RSS under load before the first outage. */
  rssBeforeMb: number;
  /** Producer V8 heap in use just before the first outage. */
  heapBeforeMb?: number;
  outages: Outage[];
  peakRssMb: number;
}

/** The consumer draining a backlog it found at start. */
export interface BacklogRun {
  messages: number;
  publishPerSec: number;
  /** From the consumer's start to the last order.processed.v1. */
  drainSeconds: number;
  drainPerSec: number;
  rssAtReadyMb: number;
  peakRssMb: number;
  rssAfterMb: number;
  /** V8 heap in use at ready and after draining, from the app's /metrics (if it has them). */
  heapAtReadyMb?: number;
  heapAfterMb?: number;
  lost: number;
  duplicates: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lastSampleBefore(process: BenchProcess, at: number): number {
  const samples = process.samples.filter((s) => s.at <= at);
  return samples.at(-1)?.rssMb ?? Number.NaN;
}

/**
 * Workload 4a: the producer reaches the broker through a TCP proxy; under constant POST /orders
 * load the proxy refuses connections `runs` times for `outageSeconds` each, while the producer's
 * RSS is sampled every 100 ms.
 */
export async function runBrokerAway(settings: BenchSettings): Promise<BrokerAwayResult> {
  const scope = new Scope('memory/broker-away');
  try {
    const names = benchNames('away');
    const env = serviceEnv(settings, names);
    deleteRunTopology(scope, env, names);
    const { proxy, url } = await TcpProxy.forUrl(settings.brokerUrl);
    scope.defer('close the proxy', () => proxy.close());
    await startConsumer(scope, settings, env, names);
    const producer = await startProducer(scope, settings, env, names, url);

    const { outageSeconds, upSeconds, connections } = settings.memory;
    const outages = settings.runs;
    const downAt: number[] = [];
    const upAt: number[] = [];
    const responses: ResponseEvent[] = [];
    // The heap in use at the end of each up phase: before each outage, and at the very end.
    const heap: (number | undefined)[] = [];
    const started = performance.now();
    const schedule = (async () => {
      for (let i = 0; i < outages; i++) {
        await sleep(upSeconds * 1_000);
        heap.push(await heapUsedMb(producer.port));
        proxy.down();
        downAt.push(performance.now());
        await sleep(outageSeconds * 1_000);
        proxy.up();
        upAt.push(performance.now());
      }
    })();
    const load = httpLoad({
      port: producer.port,
      path: '/orders',
      body: PLACE_ORDER_BODY,
      connections,
      // After the last outage: time to reconnect, then a last up phase.
      seconds: outages * (upSeconds + outageSeconds) + upSeconds + 3,
      onResponse: (event) => responses.push(event),
    });
    const [, result] = await Promise.all([schedule, load]);
    const ended = result.endedAt;
    heap.push(await heapUsedMb(producer.port));

    return {
      connections,
      rssBeforeMb: producer.process.peakRssBetween(started, downAt[0]),
      heapBeforeMb: heap[0],
      outages: downAt.map((down, i) => {
        const up = upAt[i];
        const nextDown = downAt[i + 1] ?? ended;
        const during: Record<string, number> = {};
        for (const event of responses) {
          if (event.at >= down && event.at < up) {
            during[event.status] = (during[event.status] ?? 0) + 1;
          }
        }
        const recovered = responses.find((e) => e.at >= up && e.status === 202);
        return {
          seconds: (up - down) / 1_000,
          responses: during,
          peakRssMb: producer.process.peakRssBetween(down, up),
          rssAfterMb: lastSampleBefore(producer.process, nextDown),
          heapAfterMb: heap[i + 1],
          recoveryMs: recovered ? recovered.at - up : Number.NaN,
        };
      }),
      peakRssMb: producer.process.peakRssMb(),
    };
  } finally {
    await scope.close();
  }
}

/**
 * Workload 4b: a backlog of order.placed.v1 published while the consumer app is stopped (raw
 * confirms, in our envelope), then the consumer is started and drains it; its RSS is sampled.
 */
export async function runBacklog(settings: BenchSettings): Promise<BacklogRun> {
  const scope = new Scope('memory/backlog');
  try {
    const { names, env, counter } = await prepareRun(scope, settings, 'backlog');

    // Start once so the consumer declares its queues, then stop it.
    const first = await startConsumer(scope, settings, env, names);
    await first.process.stop();

    const publisherConnection = await connectRaw(settings.brokerUrl, 'bench (backlog publisher)');
    scope.defer('close the backlog publisher', () => publisherConnection.close());
    const publisher = await RawPublisher.create(publisherConnection);
    const events = placedEvents(settings.memory.backlog);
    const publishStarted = performance.now();
    const published = await pump(events, 1_000, (event) =>
      publisher.publish(
        names.exchange,
        EventPatterns.OrderPlaced,
        Buffer.from(JSON.stringify({ pattern: EventPatterns.OrderPlaced, data: event })),
        event.orderId,
      ),
    );
    if (published.errors > 0) {
      throw new Error(`${published.errors} backlog publish(es) failed: ${published.firstError}`);
    }
    const publishPerSec = (events.length / (published.lastAt - publishStarted)) * 1_000;
    events.forEach((event) => counter.expect(event.orderId));

    const started = performance.now();
    const consumer = await startConsumer(scope, settings, env, names);
    const rssAtReadyMb = consumer.process.memory()?.rssMb ?? Number.NaN;
    const heapAtReadyMb = await heapUsedMb(consumer.port);
    const processed = await counter.waitAll(drainTimeoutMs(events.length));
    const heapAfterMb = await heapUsedMb(consumer.port);
    if (!processed.complete) {
      console.error(
        `  ${processed.missing} backlog message(s) not processed; logs in ${keepChildLogs()}`,
      );
    }
    const drainSeconds = (processed.lastAt - started) / 1_000;
    return {
      messages: events.length,
      publishPerSec,
      drainSeconds: processed.complete ? drainSeconds : Number.NaN,
      drainPerSec: processed.complete ? events.length / drainSeconds : Number.NaN,
      rssAtReadyMb,
      peakRssMb: consumer.process.peakRssMb(),
      rssAfterMb: consumer.process.memory()?.rssMb ?? Number.NaN,
      heapAtReadyMb,
      heapAfterMb,
      lost: processed.missing,
      duplicates: counter.duplicates,
    };
  } finally {
    await scope.close();
  }
}
