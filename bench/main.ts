// `npm run bench`: throughput, latency and memory of the messaging layer against the broker in
// RABBITMQ_URL, each workload next to a raw amqplib baseline run in the same session.
// See bench/README.md for the method and the knobs (BENCH_QUICK=1 for a smoke run).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { redactUrl } from '@app/config';
import { databaseVersion } from './lib/database';
import { guaranteeNotes } from './lib/guarantees';
import { PEER_LABELS, peerVersions, preparePeers } from './lib/peers';
import { ROOT, buildApps, useAppRoot } from './lib/processes';
import {
  renderMarkdown,
  renderSection,
  row,
  type Row,
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

interface Failure {
  workload: string;
  run: number;
  variant?: string;
  error: string;
}

/** Each variant's runs, by variant. */
type Runs<V extends string, T> = Partial<Record<V, T[]>>;

interface Results {
  /** ours and raw, each with PostgreSQL (workload 1a). */
  pipelineDb?: Runs<Variant, PipelineRun>;
  /** ours and raw without a database, and the peers (workload 1b). */
  pipeline?: Runs<Variant, PipelineRun>;
  /** ours, raw, the peers' fronts, plus the plain Nest app (plain). */
  http?: Runs<HttpVariant, HttpRun>;
  rpc?: Runs<Variant, RpcRun>;
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

/** How tables and logs name each variant. */
const LABELS: Record<HttpVariant, string> = {
  ours: 'ours',
  'ours-no-db': 'ours, no database',
  raw: 'raw amqplib',
  ...PEER_LABELS,
  plain: 'plain Nest',
};

/**
 * How tables 2 and 2b name their columns: ours twice, the producer as a front only without a
 * database (whose 202 follows the confirm, as the others') and the producer app, whose 202 promises
 * more.
 */
const HTTP_LABELS: Record<HttpVariant, string> = {
  ...LABELS,
  ours: 'ours + PostgreSQL (durable 202)',
};

/** How table 1a names its columns: both keep their state in PostgreSQL. */
const DB_LABELS: Record<'ours' | 'raw', string> = {
  ours: 'ours + PostgreSQL',
  raw: 'raw amqplib + pg',
};

/** Ours, raw, then the peers of this run: the columns of workloads 1 and 3. */
function variants(settings: BenchSettings): Variant[] {
  return ['ours', 'raw', ...settings.peers];
}

/**
 * The columns of table 2: ours without a database first (the targets are on it, as on 1b), then
 * the producer app on PostgreSQL, raw and the peers.
 */
function httpVariants(settings: BenchSettings): HttpVariant[] {
  return ['ours-no-db', 'ours', 'raw', ...settings.peers];
}

/**
 * Runs `run` for every variant `settings.runs` times; run i starts with the i-th variant (mod
 * their number) and goes on in order: with n variants, n runs give each every place once, and
 * fewer runs still move every variant's place from run to run, so that a drift in the machine's
 * load does not always favour the same one.
 */
async function rotated<V extends string, T>(
  workload: string,
  settings: BenchSettings,
  variants: readonly V[],
  run: (variant: V) => Promise<T>,
  summary: (result: T) => string,
): Promise<Record<V, T[]>> {
  const results = {} as Record<V, T[]>;
  const width = Math.max(...variants.map((v) => v.length));
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
          `  ${workload} ${i + 1}/${settings.runs} ${variant.padEnd(width)} ${summary(result)} (${seconds(started)} s)`,
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
  async 'pipeline-db'(settings, results) {
    console.log(
      `\n1a. Event pipeline with the database: ${int(settings.pipeline.events)} events per run; ` +
        'ours and raw, each on PostgreSQL',
    );
    results.pipelineDb = await rotated(
      'pipeline-db',
      settings,
      ['ours', 'raw'] as Variant[],
      (variant) => runPipeline(settings, variant, true),
      (r) =>
        `publish ${int(r.publishPerSec)}/s, end-to-end ${int(r.endToEndPerSec)}/s, lost ${r.lost}`,
    );
  },
  async pipeline(settings, results) {
    console.log(
      `\n1b. Event pipeline without a database: ${int(settings.pipeline.events)} events per run; ${variants(settings).join(', ')}`,
    );
    results.pipeline = await rotated(
      'pipeline',
      settings,
      variants(settings),
      (variant) => runPipeline(settings, variant, false),
      (r) =>
        `publish ${int(r.publishPerSec)}/s, end-to-end ${int(r.endToEndPerSec)}/s, lost ${r.lost}`,
    );
  },
  async http(settings, results) {
    console.log(
      `\n2. HTTP to processed: ${settings.http.connections} connections × ${settings.http.seconds} s; ` +
        `fronts: ${[...httpVariants(settings), 'plain'].join(', ')} ` +
        '(ours-no-db: the producer as a front only, without a database or read model; plain: plain ' +
        'Nest on Express, emit() not awaited)',
    );
    results.http = await rotated(
      'http',
      settings,
      [...httpVariants(settings), 'plain'],
      (variant) => runHttpOrders(settings, variant),
      (r) =>
        `${int(r.acceptedPerSec)} req/s, p99 ${r.latencyMs.p99.toFixed(1)} ms, drain ${(r.drainMs / 1_000).toFixed(1)} s, lost ${r.lost}`,
    );
  },
  async rpc(settings, results) {
    console.log(
      `\n3. Request/response: ${settings.rpc.seconds} s per point; ${variants(settings).join(', ')}`,
    );
    results.rpc = await rotated(
      'rpc',
      settings,
      variants(settings),
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

/** Targets on the ratio of medians against each peer present (issue #16), by peer column. */
function peerTargets(
  columns: readonly string[],
  wanted: { nest?: number; golevelup?: number },
): Target[] {
  return (Object.entries(wanted) as [keyof typeof wanted, number][])
    .filter(([peer]) => columns.includes(peer))
    .map(([peer, value]) => ({ op: '>=', value, against: [columns.indexOf(peer)] }));
}

/** A target against the best of the peers present ("the faster peer", "the lower peer p99"). */
function bestPeerTarget(columns: readonly string[], op: Target['op'], value: number): Target[] {
  const peers = columns.flatMap((c, k) => (c === 'nest' || c === 'golevelup' ? [k] : []));
  return peers.length > 0 ? [{ op, value, against: peers }] : [];
}

/** A row of a table that has ours only (memory, scale-out). */
function one(metric: string, unit: Unit, values: (number | undefined)[], note?: string) {
  return row(metric, unit, [values], { note });
}

/** Table 1a or 1b: the event pipeline of the given columns. */
function pipelineSection(
  title: string,
  keys: readonly Variant[],
  labels: string[],
  runs: Runs<Variant, PipelineRun>,
  targets: Target[],
  notes: string[],
): Section {
  const all = <T>(pick: (r: PipelineRun) => T) => keys.map((k) => (runs[k] ?? []).map(pick));
  const measured = (r: Row) => r.values.some((value) => value !== undefined);
  return {
    title,
    columns: labels,
    rows: [
      row(
        'confirmed publishes/s',
        'rate',
        all((r) => r.publishPerSec),
      ),
      row(
        'end-to-end events/s',
        'rate',
        all((r) => r.endToEndPerSec),
        { targets },
      ),
      row(
        'lost',
        'count',
        all((r) => r.lost),
      ),
      row(
        'duplicates',
        'count',
        all((r) => r.duplicates),
      ),
      row(
        'publish errors',
        'count',
        all((r) => r.publishErrors),
      ),
      row('dead-lettered', 'count', [(runs.ours ?? []).map((r) => r.deadLettered)], {
        note: 'ours only: the others have no dead-letter queue',
      }),
      row(
        'CPU per event: consumer',
        'µs',
        all((r) => r.cpuUsPerEvent.consumer),
      ),
      row(
        'CPU per event: bench (publisher)',
        'µs',
        all((r) => r.cpuUsPerEvent.bench),
      ),
      row(
        'CPU per event: broker',
        'µs',
        all((r) => r.cpuUsPerEvent.broker),
        {
          note: 'all of the broker, including any other traffic it had meanwhile',
        },
      ),
      row(
        'CPU per event: database',
        'µs',
        all((r) => r.cpuUsPerEvent.database),
        {
          note:
            'all of the local PostgreSQL server (every postgres process), including any other ' +
            'traffic it had meanwhile',
        },
      ),
      row(
        'peak RSS consumer',
        'MB',
        all((r) => r.peakRssMb.consumer),
      ),
      row(
        'peak RSS bench (publisher)',
        'MB',
        all((r) => r.peakRssMb.bench),
        {
          note: 'includes the TypeScript loader (ts-node) of the bench process',
        },
      ),
    ].filter(measured),
    notes,
  };
}

function sections(settings: BenchSettings, results: Results): Section[] {
  const list: Section[] = [];
  const queueType = process.env.RABBITMQ_QUEUE_TYPE ?? 'quorum';
  const prefetch = process.env.RABBITMQ_PREFETCH ?? '50';
  const { pipelineDb, pipeline, http, rpc, brokerAway, backlog, replicas } = results;
  const keys = variants(settings);
  const labels = keys.map((k) => LABELS[k]);
  const notes = (workload: 'pipeline' | 'rpc') =>
    guaranteeNotes(
      workload,
      keys.map((key) => ({ key, label: LABELS[key] })),
    );
  const pipelineShape =
    `${int(settings.pipeline.events)} × order.placed.v1 (~200 B), ` +
    `${settings.pipeline.window} publishes in flight, prefetch ${prefetch}, ${queueType} queues`;
  if (pipelineDb) {
    const dbKeys = ['ours', 'raw'] as const;
    list.push(
      pipelineSection(
        `1a. Event pipeline with the database: ${pipelineShape}; ours: the consumer app on ` +
          'PostgreSQL (inbox, order row and outbox in one transaction, then the relay); raw: ' +
          'amqplib + pg doing the same transaction per event, then a confirmed publish',
        dbKeys,
        dbKeys.map((k) => DB_LABELS[k]),
        pipelineDb,
        // Issue #13's target for the layer with its database: 0.8× the same transactions by hand.
        [{ op: '>=', value: 0.8, against: [1] }],
        guaranteeNotes(
          'pipeline-db',
          dbKeys.map((key) => ({ key, label: DB_LABELS[key] })),
        ),
      ),
    );
  }
  if (pipeline) {
    list.push(
      pipelineSection(
        `1b. Event pipeline without a database: ${pipelineShape}; ours: the consumer's handlers ` +
          "without DatabaseModule (bench/apps/consumer-no-db); each variant's own publisher (in " +
          'the bench process) and consumer',
        keys,
        labels,
        pipeline,
        [
          { op: '>=', value: 0.9, against: [1] },
          ...peerTargets(keys, { nest: 1.3, golevelup: 1.1 }),
        ],
        notes('pipeline'),
      ),
    );
  }
  if (http) {
    const httpKeys = httpVariants(settings);
    const all = <T>(pick: (r: HttpRun) => T) => httpKeys.map((k) => (http[k] ?? []).map(pick));
    list.push({
      title:
        `2. HTTP to processed: POST /orders, ${settings.http.connections} connections × ` +
        `${settings.http.seconds} s; ours, no database: the producer's own HTTP API and service ` +
        'as a front only, without DatabaseModule or the read model (bench/apps/producer-no-db), 202 ' +
        'once its publish is confirmed, as the other fronts (the targets are on it); ours + ' +
        'PostgreSQL: the producer app, 202 once the order and its outbox row are committed (a ' +
        "durable 202: it promises more); 1b's consumer without a database " +
        '(bench/apps/consumer-no-db) processes the orders of every front',
      columns: httpKeys.map((k) => HTTP_LABELS[k]),
      rows: [
        row(
          'accepted requests/s',
          'rate',
          all((r) => r.acceptedPerSec),
          {
            targets: [
              { op: '>=', value: 0.6, against: [httpKeys.indexOf('raw')] },
              ...peerTargets(httpKeys, { nest: 1.3, golevelup: 1.1 }),
            ],
          },
        ),
        row(
          'latency p50',
          'ms',
          all((r) => r.latencyMs.p50),
        ),
        row(
          'latency p99',
          'ms',
          all((r) => r.latencyMs.p99),
        ),
        row(
          'drain after the load',
          's',
          all((r) => r.drainMs / 1_000),
          { ratio: false },
        ),
        row(
          'accepted per run',
          'count',
          all((r) => r.accepted),
        ),
        row(
          'lost',
          'count',
          all((r) => r.lost),
        ),
        row(
          'non-2xx + errors',
          'count',
          all((r) => r.non2xx + r.errors),
        ),
        row(
          'CPU per order: front',
          'µs',
          all((r) => r.cpuUsPerRequest.front),
        ),
        row(
          'CPU per order: consumer',
          'µs',
          all((r) => r.cpuUsPerRequest.consumer),
        ),
        row(
          'CPU per order: broker',
          'µs',
          all((r) => r.cpuUsPerRequest.broker),
        ),
        row(
          'CPU per order: bench (autocannon)',
          'µs',
          all((r) => r.cpuUsPerRequest.bench),
        ),
        row(
          'CPU per order: database',
          'µs',
          all((r) => r.cpuUsPerRequest.database),
          {
            note:
              'all of the local PostgreSQL server, including any other traffic it had meanwhile; ' +
              'ours + PostgreSQL writes each order and its outbox row there (and its read model ' +
              'of their outcomes)',
          },
        ),
        row(
          'peak RSS front',
          'MB',
          all((r) => r.peakRssMb.front),
        ),
        row(
          'peak RSS consumer',
          'MB',
          all((r) => r.peakRssMb.consumer),
        ),
      ],
      notes: [
        'raw amqplib: bare node:http; stock Nest and golevelup: a Nest app on Fastify, as ours; ' +
          'see bench/README.md',
        ...guaranteeNotes(
          'http',
          httpKeys.map((key) => ({ key, label: HTTP_LABELS[key] })),
        ),
      ],
    });
    // Issue #5's target, set when the producer published before its 202 (no database): the same
    // runs of the producer without a database against a plain Nest app that does less per request.
    const vsPlain = <T>(pick: (r: HttpRun) => T) => [
      (http['ours-no-db'] ?? []).map(pick),
      (http.plain ?? []).map(pick),
    ];
    list.push({
      title:
        `2b. HTTP to processed vs plain Nest: the same runs of ours, no database; baseline: a Nest 12 app on Express ` +
        `whose POST /orders calls ClientProxy.emit() (RMQ transport, non-persistent, not awaited) ` +
        `and answers 202 at once, no validation, same consumer`,
      columns: [HTTP_LABELS['ours-no-db'], HTTP_LABELS.plain],
      rows: [
        row(
          'accepted requests/s',
          'rate',
          vsPlain((r) => r.acceptedPerSec),
          {
            targets: [{ op: '>=', value: 1.5, against: [1] }],
          },
        ),
        row(
          'latency p50',
          'ms',
          vsPlain((r) => r.latencyMs.p50),
        ),
        row(
          'latency p99',
          'ms',
          vsPlain((r) => r.latencyMs.p99),
        ),
        row(
          'drain after the load',
          's',
          vsPlain((r) => r.drainMs / 1_000),
          { ratio: false },
        ),
        row(
          'accepted per run',
          'count',
          vsPlain((r) => r.accepted),
        ),
        row(
          'lost',
          'count',
          vsPlain((r) => r.lost),
          {
            note:
              'plain Nest: accepted (202) orders whose order.processed.v1 never came; its 202 ' +
              'does not wait for the broker, so an order it accepted can be lost',
          },
        ),
        row(
          'non-2xx + errors',
          'count',
          vsPlain((r) => r.non2xx + r.errors),
        ),
        row(
          'CPU per order: front',
          'µs',
          vsPlain((r) => r.cpuUsPerRequest.front),
        ),
        row(
          'CPU per order: consumer',
          'µs',
          vsPlain((r) => r.cpuUsPerRequest.consumer),
        ),
        row(
          'CPU per order: broker',
          'µs',
          vsPlain((r) => r.cpuUsPerRequest.broker),
        ),
        row(
          'CPU per order: bench (autocannon)',
          'µs',
          vsPlain((r) => r.cpuUsPerRequest.bench),
        ),
        row(
          'peak RSS front',
          'MB',
          vsPlain((r) => r.peakRssMb.front),
        ),
        row(
          'peak RSS consumer',
          'MB',
          vsPlain((r) => r.peakRssMb.consumer),
        ),
      ],
    });
  }
  if (rpc) {
    const rows = [];
    for (const path of ['direct', 'http'] as const) {
      for (const concurrency of settings.rpc.concurrency) {
        const pick = (metric: (p: RpcRun['points'][number]) => number | undefined) =>
          keys.map((k) =>
            (rpc[k] ?? []).flatMap((r) =>
              r.points.filter((p) => p.path === path && p.concurrency === concurrency).map(metric),
            ),
          );
        const label = `${path === 'direct' ? 'client' : 'POST /quotes'} c=${concurrency}`;
        const highest = concurrency === Math.max(...settings.rpc.concurrency);
        const targeted = path === 'direct' && highest;
        const metric = (
          name: string,
          unit: Unit,
          value: (p: RpcRun['points'][number]) => number | undefined,
          targets: Target[] = [],
        ) => row(`${label} ${name}`, unit, pick(value), { targets: targeted ? targets : [] });
        rows.push(
          metric('requests/s', 'rate', (p) => p.perSec, [
            { op: '>=', value: 0.9, against: [1] },
            ...bestPeerTarget(keys, '>=', 1.1),
          ]),
          metric('p50', 'ms', (p) => p.latencyMs.p50),
          metric('p90', 'ms', (p) => p.latencyMs.p90),
          metric('p99', 'ms', (p) => p.latencyMs.p99, [
            { op: '<=', value: 1.2, against: [1] },
            ...bestPeerTarget(keys, '<=', 1),
          ]),
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
    const all = <T>(pick: (r: RpcRun) => T) => keys.map((k) => (rpc[k] ?? []).map(pick));
    rows.push(
      row(
        'peak RSS server',
        'MB',
        all((r) => r.peakRssMb.server),
      ),
      row(
        'peak RSS front',
        'MB',
        all((r) => r.peakRssMb.front),
      ),
    );
    list.push({
      title:
        `3. Request/response: order.quote.v1 for ${settings.rpc.seconds} s per point, from each ` +
        "variant's own client in the bench (ours: MessageBus.request; raw: amqplib direct reply-to; " +
        'stock Nest: ClientProxy.send; golevelup: AmqpConnection.request) and over HTTP ' +
        '(POST /quotes on its front)',
      columns: labels,
      rows,
      notes: notes('rpc'),
    });
  }
  if (brokerAway || (backlog && backlog.length > 0)) {
    const rows = [];
    if (brokerAway) {
      const outages = brokerAway.outages;
      rows.push(
        one('producer RSS under load, broker up', 'MB', [brokerAway.rssBeforeMb]),
        one(
          'producer peak RSS, broker away',
          'MB',
          outages.map((o) => o.peakRssMb),
          'one value per outage',
        ),
        one(
          'producer RSS after recovery',
          'MB',
          outages.map((o) => o.rssAfterMb),
        ),
        one('producer peak RSS (whole run)', 'MB', [brokerAway.peakRssMb]),
        one('producer V8 heap used, broker up', 'MB', [brokerAway.heapBeforeMb]),
        one(
          'producer V8 heap used after recovery',
          'MB',
          outages.map((o) => o.heapAfterMb),
        ),
        one(
          '503s while away',
          'count',
          outages.map((o) => o.responses['503'] ?? 0),
        ),
        one(
          '202s while away',
          'count',
          outages.map((o) => o.responses['202'] ?? 0),
          'orders committed with their outbox row (the relay publishes them once the broker is back)',
        ),
        one(
          'other answers while away',
          'count',
          outages.map((o) =>
            Object.entries(o.responses)
              .filter(([status]) => status !== '503' && status !== '202')
              .reduce((sum, [, n]) => sum + n, 0),
          ),
        ),
        one(
          'first 202 after the broker is back',
          's',
          outages.map((o) => o.recoveryMs / 1_000),
        ),
      );
    }
    if (backlog && backlog.length > 0) {
      rows.push(
        one(
          'backlog drained, events/s',
          'rate',
          backlog.map((b) => b.drainPerSec),
        ),
        one(
          'backlog drain time',
          's',
          backlog.map((b) => b.drainSeconds),
        ),
        one(
          'consumer RSS when ready',
          'MB',
          backlog.map((b) => b.rssAtReadyMb),
        ),
        one(
          'consumer peak RSS draining',
          'MB',
          backlog.map((b) => b.peakRssMb),
        ),
        one(
          'consumer V8 heap used when ready',
          'MB',
          backlog.map((b) => b.heapAtReadyMb),
        ),
        one(
          'consumer V8 heap used after draining',
          'MB',
          backlog.map((b) => b.heapAfterMb),
          "from the consumer's /metrics (nodejs_heap_size_used_bytes)",
        ),
        one(
          'consumer RSS after draining',
          'MB',
          backlog.map((b) => b.rssAfterMb),
        ),
        one(
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
      columns: [LABELS.ours],
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
        one(`${metric}: ${replicaCount(n)}`, unit, at(n).map(pick), i === 0 ? note : undefined),
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
      columns: [LABELS.ours],
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
        one(
          'publish errors (all counts)',
          'count',
          replicas.map((r) => r.publishErrors),
        ),
        one(
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
  const database = await databaseVersion(settings.databaseUrl);
  const appRoot = settings.appRoot ?? ROOT;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    broker: `${String(broker.product)} ${String(broker.version)}`,
    brokerUrl: redactUrl(settings.brokerUrl),
    database,
    databaseUrl: redactUrl(settings.databaseUrl),
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
    `Bench${settings.quick ? ' (BENCH_QUICK)' : ''} against ${host.broker} at ${host.brokerUrl} ` +
      `and ${host.database} at ${host.databaseUrl}; ` +
      `${host.cpus} × ${host.cpuModel}, Node ${host.node}, load average ${host.loadAverageAtStart.join(' ')}; ` +
      `apps ${host.commit ? `at ${host.commit}` : `from ${host.appRoot}`}` +
      `${host.uncommittedChanges ? ' + uncommitted changes' : ''}; ` +
      `${settings.runs} runs of ${settings.workloads.join(', ')}`,
  );
  if (!settings.skipBuild) {
    buildApps();
  }
  const peersUsed = settings.workloads.some((w) => ['pipeline', 'http', 'rpc'].includes(w))
    ? settings.peers
    : [];
  preparePeers(peersUsed);
  const peers = Object.fromEntries(peersUsed.map((peer) => [peer, peerVersions(peer)]));
  if (peersUsed.length > 0) {
    console.log(
      `Peers: ${peersUsed
        .map(
          (peer) =>
            `${PEER_LABELS[peer]} (${Object.entries(peers[peer])
              .map(([name, version]) => `${name} ${version}`)
              .join(', ')})`,
        )
        .join('; ')}`,
    );
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
  for (const table of tables) {
    console.log(renderSection(table));
  }
  const plainLost = (results.http?.plain ?? []).reduce((sum, r) => sum + r.lost, 0);
  if (plainLost > 0) {
    // Reported, not a failure of the bench: that baseline does not wait for the broker.
    console.warn(
      `\nThe plain Nest baseline lost ${int(plainLost)} accepted order(s) over its runs (table 2b).`,
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
  const markdown = tables.map((t) => renderMarkdown(t)).join('\n\n');
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt,
        durationS,
        settings: {
          ...settings,
          brokerUrl: redactUrl(settings.brokerUrl),
          databaseUrl: redactUrl(settings.databaseUrl),
        },
        machine: { ...host, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
        peers,
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

  // Every variant that waits for the broker must lose nothing; the plain Nest baseline does not wait.
  const confirmedFronts = Object.entries(results.http ?? {}).filter(([front]) => front !== 'plain');
  const lost = [
    ...Object.values(results.pipelineDb ?? {}).flat(),
    ...Object.values(results.pipeline ?? {}).flat(),
    ...confirmedFronts.flatMap(([, runs]) => runs),
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
