// `npm run bench`: throughput, latency and memory of the messaging layer against the broker in
// RABBITMQ_URL, each workload next to a raw amqplib baseline run in the same session.
// See bench/README.md for the method and the knobs (BENCH_QUICK=1 for a smoke run).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { redactUrl } from '@app/config';
import { ROOT, buildApps, useAppRoot } from './lib/processes';
import {
  renderMarkdown,
  renderSection,
  row,
  type Section,
  type Target,
  type Unit,
} from './lib/report';
import { closeAllScopes, describe, exitCleanlyOnSignals } from './lib/scope';
import { quietNestLogs } from './lib/services';
import { readSettings, type BenchSettings, type WorkloadName } from './lib/settings';
import { connectRaw } from './raw/raw-amqp';
import { runPipeline, type PipelineRun, type Variant } from './workloads/event-pipeline';
import { runHttpOrders, type HttpRun, type HttpVariant } from './workloads/http-orders';
import {
  runBacklog,
  runBrokerAway,
  type BacklogRun,
  type BrokerAwayResult,
} from './workloads/memory';
import { runReplicas, type ReplicaRun } from './workloads/replicas';
import { runRequestReply, type RpcRun } from './workloads/request-reply';

interface Paired<T> {
  ours: T[];
  raw: T[];
}

interface Failure {
  workload: string;
  run: number;
  variant?: string;
  error: string;
}

interface Results {
  pipeline?: Paired<PipelineRun>;
  /** ours and raw as in every workload, plus the plain Nest app (nest). */
  http?: Record<HttpVariant, HttpRun[]>;
  rpc?: Paired<RpcRun>;
  brokerAway?: BrokerAwayResult;
  backlog?: BacklogRun[];
  replicas?: ReplicaRun[];
}

const failures: Failure[] = [];
const seconds = (since: number) => ((performance.now() - since) / 1_000).toFixed(1);
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const replicaCount = (n: number) => `${n} ${n === 1 ? 'replica' : 'replicas'}`;

/** Every run ends within this long: a stuck one is cleaned up (children, queues) and fails. */
const RUN_DEADLINE_MS = 5 * 60_000;

async function withDeadline<T>(task: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void closeAllScopes(15_000).finally(() =>
        reject(new Error(`no result after ${RUN_DEADLINE_MS / 60_000} min; cleaned up`)),
      );
    }, RUN_DEADLINE_MS);
  });
  try {
    return await Promise.race([task, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `run` for both variants `settings.runs` times, alternating which goes first. */
function paired<T>(
  workload: string,
  settings: BenchSettings,
  run: (variant: Variant) => Promise<T>,
  summary: (result: T) => string,
): Promise<Paired<T>> {
  return rotated(workload, settings, ['ours', 'raw'], run, summary);
}

/**
 * Runs `run` for every variant `settings.runs` times; run i starts with the i-th variant (mod
 * their number) and goes on in order: two variants alternate which goes first, and three each take
 * every place once in three runs.
 */
async function rotated<V extends string, T>(
  workload: string,
  settings: BenchSettings,
  variants: readonly V[],
  run: (variant: V) => Promise<T>,
  summary: (result: T) => string,
): Promise<Record<V, T[]>> {
  const results = {} as Record<V, T[]>;
  for (const variant of variants) {
    results[variant] = [];
  }
  for (let i = 0; i < settings.runs; i++) {
    const order = variants.map((_, k) => variants[(i + k) % variants.length]);
    for (const variant of order) {
      const started = performance.now();
      try {
        const result = await withDeadline(run(variant));
        results[variant].push(result);
        console.log(
          `  ${workload} ${i + 1}/${settings.runs} ${variant.padEnd(4)} ${summary(result)} (${seconds(started)} s)`,
        );
      } catch (error) {
        failures.push({ workload, run: i + 1, variant, error: describe(error) });
        console.error(
          `  ${workload} ${i + 1}/${settings.runs} ${variant} FAILED: ${describe(error)}`,
        );
      }
    }
  }
  return results;
}

async function once<T>(
  workload: string,
  run: number,
  task: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await withDeadline(task());
  } catch (error) {
    failures.push({ workload, run, error: describe(error) });
    console.error(`  ${workload} ${run} FAILED: ${describe(error)}`);
    return undefined;
  }
}

const WORKLOADS: Record<
  WorkloadName,
  (settings: BenchSettings, results: Results) => Promise<void>
> = {
  async pipeline(settings, results) {
    console.log(`\n1. Event pipeline: ${int(settings.pipeline.events)} events per run`);
    results.pipeline = await paired(
      'pipeline',
      settings,
      (variant) => runPipeline(settings, variant),
      (r) =>
        `publish ${int(r.publishPerSec)}/s, end-to-end ${int(r.endToEndPerSec)}/s, lost ${r.lost}`,
    );
  },
  async http(settings, results) {
    console.log(
      `\n2. HTTP to processed: ${settings.http.connections} connections × ${settings.http.seconds} s; ` +
        'fronts: ours, raw (bare node:http), nest (plain Nest on Express, emit() not awaited)',
    );
    results.http = await rotated(
      'http',
      settings,
      ['ours', 'raw', 'nest'],
      (variant) => runHttpOrders(settings, variant),
      (r) =>
        `${int(r.acceptedPerSec)} req/s, p99 ${r.latencyMs.p99.toFixed(1)} ms, drain ${(r.drainMs / 1_000).toFixed(1)} s, lost ${r.lost}`,
    );
  },
  async rpc(settings, results) {
    console.log(`\n3. Request/response: ${settings.rpc.seconds} s per point`);
    results.rpc = await paired(
      'rpc',
      settings,
      (variant) => runRequestReply(settings, variant),
      (r) => r.points.map((p) => `${p.path} c=${p.concurrency} ${int(p.perSec)}/s`).join(', '),
    );
  },
  async memory(settings, results) {
    console.log(
      `\n4. Memory: ${settings.runs} broker outages of ${settings.memory.outageSeconds} s under load; ` +
        `a ${int(settings.memory.backlog)}-message backlog`,
    );
    let started = performance.now();
    results.brokerAway = await once('broker-away', 1, () => runBrokerAway(settings));
    if (results.brokerAway) {
      const peaks = results.brokerAway.outages.map((o) => o.peakRssMb.toFixed(0)).join(', ');
      console.log(
        `  broker away: producer RSS ${results.brokerAway.rssBeforeMb.toFixed(0)} MB before, ` +
          `${peaks} MB peak per outage (${seconds(started)} s)`,
      );
    }
    results.backlog = [];
    for (let i = 0; i < settings.memory.backlogRuns; i++) {
      started = performance.now();
      const backlog = await once('backlog', i + 1, () => runBacklog(settings));
      if (backlog) {
        results.backlog.push(backlog);
        console.log(
          `  backlog ${i + 1}/${settings.memory.backlogRuns}: drained at ${int(backlog.drainPerSec)}/s, ` +
            `consumer peak RSS ${backlog.peakRssMb.toFixed(0)} MB (${seconds(started)} s)`,
        );
      }
    }
  },
  async replicas(settings, results) {
    const { counts, events } = settings.replicas;
    console.log(
      `\n5. Scale-out: ${int(events)} events per run into ${counts.join(', ')} consumer replicas`,
    );
    results.replicas = [];
    for (let i = 0; i < settings.runs; i++) {
      // Alternating the order, as paired() does, keeps a drift in the machine's load from favouring
      // one replica count.
      const order = i % 2 === 0 ? counts : [...counts].reverse();
      for (const replicas of order) {
        const started = performance.now();
        const label = `replicas ${i + 1}/${settings.runs} ×${replicas}`;
        try {
          const r = await withDeadline(runReplicas(settings, replicas, i + 1));
          results.replicas.push(r);
          const split = r.share
            ? `, split ${r.share.min.toFixed(0)}–${r.share.max.toFixed(0)} %`
            : '';
          console.log(
            `  ${label} end-to-end ${int(r.endToEndPerSec)}/s, publish ${int(r.publishPerSec)}/s` +
              `${split}, lost ${r.lost} (${seconds(started)} s)`,
          );
        } catch (error) {
          failures.push({
            workload: 'replicas',
            run: i + 1,
            variant: replicaCount(replicas),
            error: describe(error),
          });
          console.error(`  ${label} FAILED: ${describe(error)}`);
        }
      }
    }
  },
};

function sections(settings: BenchSettings, results: Results): Section[] {
  const list: Section[] = [];
  const queueType = process.env.RABBITMQ_QUEUE_TYPE ?? 'quorum';
  const prefetch = process.env.RABBITMQ_PREFETCH ?? '50';
  const { pipeline, http, rpc, brokerAway, backlog, replicas } = results;
  if (pipeline) {
    const both = <T>(pick: (r: PipelineRun) => T) =>
      [pipeline.ours.map(pick), pipeline.raw.map(pick)] as const;
    list.push({
      title:
        `1. Event pipeline: ${int(settings.pipeline.events)} × order.placed.v1 (~200 B), ` +
        `${settings.pipeline.window} publishes in flight, prefetch ${prefetch}, ${queueType} queues`,
      rows: [
        row('confirmed publishes/s', 'rate', ...both((r) => r.publishPerSec)),
        row('end-to-end events/s', 'rate', ...both((r) => r.endToEndPerSec), {
          target: { op: '>=', value: 0.9 },
        }),
        row('lost', 'count', ...both((r) => r.lost)),
        row('duplicates', 'count', ...both((r) => r.duplicates)),
        row('publish errors', 'count', ...both((r) => r.publishErrors)),
        row(
          'dead-lettered',
          'count',
          pipeline.ours.map((r) => r.deadLettered),
        ),
        row('CPU per event: consumer', 'µs', ...both((r) => r.cpuUsPerEvent.consumer)),
        row('CPU per event: bench (publisher)', 'µs', ...both((r) => r.cpuUsPerEvent.bench)),
        row('CPU per event: broker', 'µs', ...both((r) => r.cpuUsPerEvent.broker), {
          note: 'all of the broker, including any other traffic it had meanwhile',
        }),
        row('peak RSS consumer', 'MB', ...both((r) => r.peakRssMb.consumer)),
        row('peak RSS bench (publisher)', 'MB', ...both((r) => r.peakRssMb.bench), {
          note: 'includes the TypeScript loader (ts-node) of the bench process',
        }),
      ],
    });
  }
  if (http) {
    const both = <T>(pick: (r: HttpRun) => T) => [http.ours.map(pick), http.raw.map(pick)] as const;
    list.push({
      title:
        `2. HTTP to processed: POST /orders, ${settings.http.connections} connections × ` +
        `${settings.http.seconds} s; baseline: bare node:http + amqplib confirms, same consumer app`,
      rows: [
        row('accepted requests/s', 'rate', ...both((r) => r.acceptedPerSec), {
          target: { op: '>=', value: 0.6 },
        }),
        row('latency p50', 'ms', ...both((r) => r.latencyMs.p50)),
        row('latency p99', 'ms', ...both((r) => r.latencyMs.p99)),
        row('drain after the load', 's', ...both((r) => r.drainMs / 1_000), { ratio: false }),
        row('accepted per run', 'count', ...both((r) => r.accepted)),
        row('lost', 'count', ...both((r) => r.lost)),
        row('non-2xx + errors', 'count', ...both((r) => r.non2xx + r.errors)),
        row(
          'CPU per order: front (producer / bare http)',
          'µs',
          ...both((r) => r.cpuUsPerRequest.front),
        ),
        row('CPU per order: consumer', 'µs', ...both((r) => r.cpuUsPerRequest.consumer)),
        row('CPU per order: broker', 'µs', ...both((r) => r.cpuUsPerRequest.broker)),
        row('CPU per order: bench (autocannon)', 'µs', ...both((r) => r.cpuUsPerRequest.bench)),
        row('peak RSS front (producer / bare http)', 'MB', ...both((r) => r.peakRssMb.front)),
        row('peak RSS consumer', 'MB', ...both((r) => r.peakRssMb.consumer)),
      ],
    });
    // Issue #5's target: the same ours runs against a plain Nest app that does less per request.
    const vsNest = <T>(pick: (r: HttpRun) => T) =>
      [http.ours.map(pick), http.nest.map(pick)] as const;
    list.push({
      title:
        `2b. HTTP to processed vs plain Nest: the same ours runs; baseline: a Nest 12 app on Express ` +
        `whose POST /orders calls ClientProxy.emit() (RMQ transport, non-persistent, not awaited) ` +
        `and answers 202 at once, no validation, same consumer app`,
      header: ['ours', 'plain Nest'],
      rows: [
        row('accepted requests/s', 'rate', ...vsNest((r) => r.acceptedPerSec), {
          target: { op: '>=', value: 1.5 },
        }),
        row('latency p50', 'ms', ...vsNest((r) => r.latencyMs.p50)),
        row('latency p99', 'ms', ...vsNest((r) => r.latencyMs.p99)),
        row('drain after the load', 's', ...vsNest((r) => r.drainMs / 1_000), { ratio: false }),
        row('accepted per run', 'count', ...vsNest((r) => r.accepted)),
        row('lost', 'count', ...vsNest((r) => r.lost), {
          note:
            'plain Nest: accepted (202) orders whose order.processed.v1 never came; its 202 ' +
            'does not wait for the broker, so an order it accepted can be lost',
        }),
        row('non-2xx + errors', 'count', ...vsNest((r) => r.non2xx + r.errors)),
        row(
          'CPU per order: front (producer / plain Nest)',
          'µs',
          ...vsNest((r) => r.cpuUsPerRequest.front),
        ),
        row('CPU per order: consumer', 'µs', ...vsNest((r) => r.cpuUsPerRequest.consumer)),
        row('CPU per order: broker', 'µs', ...vsNest((r) => r.cpuUsPerRequest.broker)),
        row('CPU per order: bench (autocannon)', 'µs', ...vsNest((r) => r.cpuUsPerRequest.bench)),
        row('peak RSS front (producer / plain Nest)', 'MB', ...vsNest((r) => r.peakRssMb.front)),
        row('peak RSS consumer', 'MB', ...vsNest((r) => r.peakRssMb.consumer)),
      ],
    });
  }
  if (rpc) {
    const rows = [];
    for (const path of ['direct', 'http'] as const) {
      for (const concurrency of settings.rpc.concurrency) {
        const pick = (
          runs: RpcRun[],
          metric: (p: RpcRun['points'][number]) => number | undefined,
        ) =>
          runs.flatMap((r) =>
            r.points.filter((p) => p.path === path && p.concurrency === concurrency).map(metric),
          );
        const label = `${path === 'direct' ? 'client.send' : 'POST /quotes'} c=${concurrency}`;
        const highest = concurrency === Math.max(...settings.rpc.concurrency);
        const targeted = path === 'direct' && highest;
        const metric = (
          name: string,
          unit: Unit,
          value: (p: RpcRun['points'][number]) => number | undefined,
          target?: Target,
        ) => row(`${label} ${name}`, unit, pick(rpc.ours, value), pick(rpc.raw, value), { target });
        rows.push(
          metric(
            'requests/s',
            'rate',
            (p) => p.perSec,
            targeted ? { op: '>=', value: 0.9 } : undefined,
          ),
          metric('p50', 'ms', (p) => p.latencyMs.p50),
          metric('p90', 'ms', (p) => p.latencyMs.p90),
          metric(
            'p99',
            'ms',
            (p) => p.latencyMs.p99,
            targeted ? { op: '<=', value: 1.2 } : undefined,
          ),
          metric('errors', 'count', (p) => p.errors),
        );
        if (highest) {
          const processes =
            path === 'direct'
              ? ([
                  ['bench', 'bench (client)'],
                  ['server', 'server'],
                  ['broker', 'broker'],
                ] as const)
              : ([
                  ['front', 'front'],
                  ['server', 'server'],
                  ['broker', 'broker'],
                ] as const);
          for (const [key, name] of processes) {
            rows.push(metric(`CPU per request: ${name}`, 'µs', (p) => p.cpuUsPerRequest[key]));
          }
        }
      }
    }
    rows.push(
      row(
        'peak RSS server (consumer / raw)',
        'MB',
        rpc.ours.map((r) => r.peakRssMb.server),
        rpc.raw.map((r) => r.peakRssMb.server),
      ),
      row(
        'peak RSS front (producer / bare http)',
        'MB',
        rpc.ours.map((r) => r.peakRssMb.front),
        rpc.raw.map((r) => r.peakRssMb.front),
      ),
    );
    list.push({
      title:
        `3. Request/response: order.quote.v1 for ${settings.rpc.seconds} s per point; baseline: ` +
        'amqplib direct reply-to (noDelay) + raw quote server, bare node:http for POST /quotes',
      rows,
    });
  }
  if (brokerAway || (backlog && backlog.length > 0)) {
    const rows = [];
    if (brokerAway) {
      const outages = brokerAway.outages;
      rows.push(
        row('producer RSS under load, broker up', 'MB', [brokerAway.rssBeforeMb]),
        row(
          'producer peak RSS, broker away',
          'MB',
          outages.map((o) => o.peakRssMb),
          undefined,
          { note: 'one value per outage' },
        ),
        row(
          'producer RSS after recovery',
          'MB',
          outages.map((o) => o.rssAfterMb),
        ),
        row('producer peak RSS (whole run)', 'MB', [brokerAway.peakRssMb]),
        row('producer V8 heap used, broker up', 'MB', [brokerAway.heapBeforeMb]),
        row(
          'producer V8 heap used after recovery',
          'MB',
          outages.map((o) => o.heapAfterMb),
        ),
        row(
          '503s while away',
          'count',
          outages.map((o) => o.responses['503'] ?? 0),
        ),
        row(
          '202s while away',
          'count',
          outages.map((o) => o.responses['202'] ?? 0),
          undefined,
          { note: 'publishes confirmed just before the cut took effect' },
        ),
        row(
          'other answers while away',
          'count',
          outages.map((o) =>
            Object.entries(o.responses)
              .filter(([status]) => status !== '503' && status !== '202')
              .reduce((sum, [, n]) => sum + n, 0),
          ),
        ),
        row(
          'first 202 after the broker is back',
          's',
          outages.map((o) => o.recoveryMs / 1_000),
        ),
      );
    }
    if (backlog && backlog.length > 0) {
      rows.push(
        row(
          'backlog drained, events/s',
          'rate',
          backlog.map((b) => b.drainPerSec),
        ),
        row(
          'backlog drain time',
          's',
          backlog.map((b) => b.drainSeconds),
        ),
        row(
          'consumer RSS when ready',
          'MB',
          backlog.map((b) => b.rssAtReadyMb),
        ),
        row(
          'consumer peak RSS draining',
          'MB',
          backlog.map((b) => b.peakRssMb),
        ),
        row(
          'consumer V8 heap used when ready',
          'MB',
          backlog.map((b) => b.heapAtReadyMb),
        ),
        row(
          'consumer V8 heap used after draining',
          'MB',
          backlog.map((b) => b.heapAfterMb),
          undefined,
          { note: "from the consumer's /metrics (nodejs_heap_size_used_bytes)" },
        ),
        row(
          'consumer RSS after draining',
          'MB',
          backlog.map((b) => b.rssAfterMb),
        ),
        row(
          'backlog lost',
          'count',
          backlog.map((b) => b.lost),
        ),
      );
    }
    list.push({
      title:
        `4. Memory: ${settings.memory.connections} connections POST /orders while the producer's broker ` +
        `goes away ${settings.runs}× for ${settings.memory.outageSeconds} s (TCP proxy); consumer ` +
        `draining a ${int(settings.memory.backlog)}-message backlog`,
      rows,
    });
  }
  if (replicas && replicas.length > 0) {
    const counts = settings.replicas.counts;
    const base = counts[0];
    const at = (n: number) => replicas.filter((r) => r.replicas === n);
    /** One row per replica count; the note goes on the first. */
    const perCount = (
      metric: string,
      unit: Unit,
      pick: (r: ReplicaRun) => number | undefined,
      note?: string,
      only = counts,
    ) =>
      only.map((n, i) =>
        row(`${metric}: ${replicaCount(n)}`, unit, at(n).map(pick), undefined, {
          note: i === 0 ? note : undefined,
        }),
      );
    const scaling = (r: ReplicaRun) => {
      const first = replicas.find((b) => b.run === r.run && b.replicas === base);
      return first ? r.endToEndPerSec / first.endToEndPerSec : undefined;
    };
    const more = counts.filter((n) => n !== base);
    list.push({
      title:
        `5. Scale-out: ${int(settings.replicas.events)} × order.placed.v1 into ` +
        `${counts.join(', ')} consumer app replicas on the same queue, ${settings.pipeline.window} ` +
        `publishes in flight, prefetch ${prefetch} per replica, ${queueType} queues`,
      rows: [
        ...perCount('end-to-end events/s', 'rate', (r) => r.endToEndPerSec),
        ...perCount(
          `scaling vs ${replicaCount(base)}`,
          'factor',
          scaling,
          `per run: end-to-end events/s over that run's figure with ${replicaCount(base)}`,
          more,
        ),
        ...perCount('confirmed publishes/s', 'rate', (r) => r.publishPerSec),
        ...perCount('lost', 'count', (r) => r.lost),
        ...perCount('duplicates', 'count', (r) => r.duplicates),
        row(
          'publish errors (all counts)',
          'count',
          replicas.map((r) => r.publishErrors),
        ),
        row(
          'dead-lettered (all counts)',
          'count',
          replicas.map((r) => r.deadLettered),
        ),
        ...perCount(
          'busiest replica, share of events',
          '%',
          (r) => r.share?.max,
          "from each replica's /metrics (messaging_consumed_total, acked); an even split is 100 / n %",
          more,
        ),
        ...perCount(
          'least busy replica, share of events',
          '%',
          (r) => r.share?.min,
          undefined,
          more,
        ),
        ...perCount(
          'CPU per event: consumers (sum)',
          'µs',
          (r) => r.cpuUsPerEvent.consumers,
          'CPU time of all replicas together over the measured batch',
        ),
        ...perCount(
          'CPU per event: broker',
          'µs',
          (r) => r.cpuUsPerEvent.broker,
          'all of the broker, including any other traffic it had meanwhile',
        ),
        ...perCount('CPU per event: bench (publisher)', 'µs', (r) => r.cpuUsPerEvent.bench),
        ...perCount('peak RSS per replica (highest)', 'MB', (r) =>
          Math.max(...r.peakRssMb.perReplica),
        ),
      ],
    });
  }
  return list;
}

function git(args: string[], cwd: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

async function machine(settings: BenchSettings) {
  const connection = await connectRaw(settings.brokerUrl, 'bench (probe)');
  const broker = connection.connection.serverProperties;
  await connection.close();
  const appRoot = settings.appRoot ?? ROOT;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    broker: `${String(broker.product)} ${String(broker.version)}`,
    brokerUrl: redactUrl(settings.brokerUrl),
    appRoot,
    commit: git(['rev-parse', '--short', 'HEAD'], appRoot),
    uncommittedChanges: git(['status', '--porcelain', '--untracked-files=no'], appRoot) !== '',
  };
}

async function main(): Promise<void> {
  quietNestLogs();
  exitCleanlyOnSignals();
  const settings = readSettings();
  // The helpers of @app/testing read the broker from here.
  process.env.RABBITMQ_URL = settings.brokerUrl;
  if (settings.appRoot) {
    useAppRoot(settings.appRoot);
  }
  const startedAt = new Date();
  const started = performance.now();
  const host = await machine(settings);
  console.log(
    `Bench${settings.quick ? ' (BENCH_QUICK)' : ''} against ${host.broker} at ${host.brokerUrl}; ` +
      `${host.cpus} × ${host.cpuModel}, Node ${host.node}, load average ${host.loadAverageAtStart.join(' ')}; ` +
      `apps ${host.commit ? `at ${host.commit}` : `from ${host.appRoot}`}` +
      `${host.uncommittedChanges ? ' + uncommitted changes' : ''}; ` +
      `${settings.runs} runs of ${settings.workloads.join(', ')}`,
  );
  if (!settings.skipBuild) {
    buildApps();
  }
  const watchdog = setTimeout(() => {
    console.error(`\nThe bench took longer than ${settings.timeoutMinutes} min: aborting.`);
    void closeAllScopes(15_000).finally(() => process.exit(1));
  }, settings.timeoutMinutes * 60_000);
  watchdog.unref();

  const results: Results = {};
  for (const workload of settings.workloads) {
    await WORKLOADS[workload](settings, results);
  }
  clearTimeout(watchdog);

  const tables = sections(settings, results);
  const header: [string, string] = ['ours', 'raw amqplib'];
  for (const table of tables) {
    console.log(renderSection(table, header));
  }
  const nestLost = (results.http?.nest ?? []).reduce((sum, r) => sum + r.lost, 0);
  if (nestLost > 0) {
    // Reported, not a failure of the bench: that baseline does not wait for the broker.
    console.warn(
      `\nThe plain Nest baseline lost ${int(nestLost)} accepted order(s) over its runs (table 2b).`,
    );
  }
  const durationS = (performance.now() - started) / 1_000;
  console.log(
    `\nTotal time ${(durationS / 60).toFixed(1)} min; load average ` +
      `${host.loadAverageAtStart.join(' ')} at the start, ` +
      `${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end.`,
  );
  if (failures.length > 0) {
    console.error(`\n${failures.length} run(s) failed:`);
    failures.forEach((f) =>
      console.error(
        `  ${f.workload} run ${f.run}${f.variant ? ` (${f.variant})` : ''}: ${f.error}`,
      ),
    );
  }

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}${settings.quick ? '-quick' : ''}.json`,
  );
  const markdown = tables.map((t) => renderMarkdown(t, header)).join('\n\n');
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt,
        durationS,
        settings: { ...settings, brokerUrl: redactUrl(settings.brokerUrl) },
        machine: { ...host, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
        results,
        tables,
        markdown,
        failures,
      },
      (_key, value: unknown) =>
        typeof value === 'number' && !Number.isFinite(value) ? null : value,
      2,
    ),
  );
  console.log(`Results written to ${file}`);

  const lost = [
    ...(results.pipeline?.ours ?? []),
    ...(results.pipeline?.raw ?? []),
    ...(results.http?.ours ?? []),
    ...(results.http?.raw ?? []),
    ...(results.backlog ?? []),
    ...(results.replicas ?? []),
  ].some((r) => r.lost > 0);
  if (failures.length > 0 || lost) {
    process.exitCode = 1;
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await closeAllScopes(15_000);
  process.exit(1);
});
