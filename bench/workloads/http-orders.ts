import { httpLoad } from '../lib/load';
import { isPeer } from '../lib/peers';
import { PLACE_ORDER_BODY } from '../lib/orders';
import { CpuMeter, keepChildLogs, localBrokerPid, localDatabasePids } from '../lib/processes';
import { Scope } from '../lib/scope';
import {
  prepareRun,
  startBenchApp,
  startPeerHttp,
  startPlainNestHttp,
  startProducer,
  startRawHttp,
} from '../lib/services';
import type { BenchSettings } from '../lib/settings';
import { latency, type Latency } from '../lib/stats';
import { drainTimeoutMs, type Variant } from './event-pipeline';

/**
 * The fronts workload 2 compares: the producer app on PostgreSQL (ours), the producer's own
 * controllers and service without a database (ours-no-db, bench/apps/producer-no-db), the bare
 * node:http + amqplib server (raw), the peers' HTTP fronts (nest, golevelup), and a plain Nest app
 * on Express that emit()s without waiting for the broker (plain).
 */
export type HttpVariant = Variant | 'ours-no-db' | 'plain';

/** One run of workload 2. */
export interface HttpRun {
  variant: HttpVariant;
  connections: number;
  seconds: number;
  /** 202 responses per second. */
  acceptedPerSec: number;
  accepted: number;
  non2xx: number;
  errors: number;
  latencyMs: Latency;
  /** From the end of the load to the last accepted order's order.processed.v1. */
  drainMs: number;
  lost: number;
  duplicates: number;
  peakRssMb: { front: number; consumer: number };
  /** CPU µs per accepted order, load and drain, of the front, consumer, bench, broker, PostgreSQL. */
  cpuUsPerRequest: Record<string, number>;
}

/**
 * Workload 2: autocannon POSTs /orders to the front end (the built producer app, the producer
 * without a database of bench/apps/producer-no-db, the bare node:http + amqplib server of
 * bench/raw/raw-http.ts, a peer's HTTP front, or the plain Nest app of
 * bench/raw/plain-nest-http.ts); 1b's consumer without a database (bench/apps/consumer-no-db)
 * processes every accepted order in every case, so only the front differs, and the bench waits for
 * each one's order.processed.v1. Not the consumer app on PostgreSQL: it costs several times any
 * front's CPU per order, and on shared cores the fronts' differences drowned in how the scheduler
 * shared the cores with it.
 */
export async function runHttpOrders(
  settings: BenchSettings,
  variant: HttpVariant,
): Promise<HttpRun> {
  const scope = new Scope(`http/${variant}`);
  try {
    const { names, env, counter } = await prepareRun(scope, settings, 'http');
    const consumer = await startBenchApp(scope, settings, env, names, 'consumer-no-db');
    // The consumer declared its queues above: the plain Nest app publishes straight into its work
    // queue without declaring it.
    const front =
      variant === 'ours'
        ? await startProducer(scope, settings, env, names)
        : variant === 'ours-no-db'
          ? await startBenchApp(scope, settings, env, names, 'producer-no-db')
          : variant === 'plain'
            ? await startPlainNestHttp(scope, settings, env, names)
            : isPeer(variant)
              ? await startPeerHttp(scope, settings, env, variant)
              : await startRawHttp(scope, settings, env);

    const { connections, seconds, warmupSeconds } = settings.http;
    const load = (duration: number) =>
      httpLoad({
        port: front.port,
        path: '/orders',
        body: PLACE_ORDER_BODY,
        connections,
        seconds: duration,
        onOk: (body) => counter.expect((JSON.parse(body) as { orderId: string }).orderId),
      });
    const warmup = await load(warmupSeconds);
    await counter.waitAll(drainTimeoutMs(warmup.ok));

    counter.reset();
    const cpu = new CpuMeter({
      front: front.process.pid,
      consumer: consumer.process.pid,
      bench: process.pid,
      broker: localBrokerPid(settings.brokerUrl),
      database: localDatabasePids(settings.databaseUrl),
    }).start();
    const result = await load(seconds);
    const processed = await counter.waitAll(drainTimeoutMs(result.ok));
    const cpuUsPerRequest = cpu.stop(result.ok);
    if (!processed.complete) {
      console.error(
        `  ${processed.missing} order(s) not processed; logs kept in ${keepChildLogs()}`,
      );
    }
    return {
      variant,
      connections,
      seconds,
      acceptedPerSec: result.ok / result.durationS,
      accepted: result.ok,
      non2xx: result.non2xx,
      errors: result.errors,
      latencyMs: latency(result.latenciesMs),
      drainMs: processed.complete ? Math.max(0, processed.lastAt - result.endedAt) : Number.NaN,
      lost: processed.missing,
      duplicates: counter.duplicates,
      peakRssMb: { front: front.process.peakRssMb(), consumer: consumer.process.peakRssMb() },
      cpuUsPerRequest,
    };
  } finally {
    await scope.close();
  }
}
