import { DEFAULT_DATABASE_URL } from './database';
import { PEERS, type PeerName } from './peers';

/** The workloads `npm run bench` knows; BENCH_ONLY picks a subset. */
export const WORKLOADS = ['pipeline-db', 'pipeline', 'http', 'rpc', 'memory', 'replicas'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** Everything a bench run can be tuned with, read once from the environment. */
export interface BenchSettings {
  /** BENCH_QUICK=1: a smoke run of a few minutes with small counts and short durations. */
  quick: boolean;
  /** The first URL of RABBITMQ_URL (default: the local broker). */
  brokerUrl: string;
  /**
   * DATABASE_URL (default: the local PostgreSQL, as .ci/run): our apps keep their state there, each
   * service of each run in a schema of its own, dropped afterwards.
   */
  databaseUrl: string;
  /** Repetitions of each workload; the table shows min / median / max over them. */
  runs: number;
  workloads: WorkloadName[];
  /**
   * BENCH_PEERS: the peers run beside ours and raw in the event-pipeline, HTTP and request/response
   * workloads (default: all; `none` for none, which also skips installing them).
   */
  peers: PeerName[];
  pipeline: {
    events: number;
    /** Events published (and processed) before the measured batch, to warm up the JIT. */
    warmup: number;
    /** Publishes awaiting their confirm at once, the same for our client and raw amqplib. */
    window: number;
  };
  http: { connections: number; seconds: number; warmupSeconds: number };
  rpc: { seconds: number; concurrency: number[] };
  memory: {
    backlog: number;
    backlogRuns: number;
    /** How long the broker stays away in each of the `runs` outages. */
    outageSeconds: number;
    /** Requests keep going this long before each outage and after each recovery. */
    upSeconds: number;
    connections: number;
  };
  replicas: {
    /** Numbers of consumer app replicas to compare, ascending; scaling is relative to the first. */
    counts: number[];
    events: number;
  };
  /** BENCH_CPU_PROF=1: run the Nest apps with --cpu-prof, profiles under bench/results/profiles. */
  cpuProfile: boolean;
  /** The whole run is aborted (and cleaned up) after this long. */
  timeoutMinutes: number;
  /** BENCH_SKIP_BUILD=1: run the apps' existing build without rebuilding stale sources. */
  skipBuild: boolean;
  /** BENCH_APP_ROOT: a checkout whose built apps to run (default: this one). */
  appRoot?: string;
}

function number(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  }
  return value;
}

/** A comma-separated list of distinct whole numbers in [1, max], sorted ascending. */
function integers(name: string, fallback: number[], max: number): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1 || value > max)) {
    throw new Error(`${name} must be comma-separated whole numbers from 1 to ${max}, got "${raw}"`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

function flag(name: string): boolean {
  return ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());
}

function peers(): PeerName[] {
  const raw = (process.env.BENCH_PEERS ?? '').trim();
  if (raw === '') {
    return [...PEERS];
  }
  if (raw === 'none') {
    return [];
  }
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(PEERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_PEERS: unknown peer(s) ${unknown.join(', ')}; use ${PEERS.join(', ')} or none`,
    );
  }
  // In the order of PEERS, so that tables keep their columns.
  return PEERS.filter((peer) => names.includes(peer));
}

export function readSettings(): BenchSettings {
  const quick = flag('BENCH_QUICK');
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = only.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ONLY: unknown workload(s) ${unknown.join(', ')}; use ${WORKLOADS.join(', ')}`,
    );
  }
  const brokerUrl = (process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672')
    .split(',')[0]
    .trim();
  return {
    quick,
    brokerUrl,
    databaseUrl: (process.env.DATABASE_URL ?? '').trim() || DEFAULT_DATABASE_URL,
    runs: number('BENCH_RUNS', quick ? 2 : 3),
    workloads: only.length > 0 ? (only as WorkloadName[]) : [...WORKLOADS],
    peers: peers(),
    pipeline: {
      events: number('BENCH_EVENTS', quick ? 3_000 : 50_000),
      warmup: number('BENCH_WARMUP_EVENTS', quick ? 300 : 1_000),
      window: number('BENCH_WINDOW', 500),
    },
    http: {
      connections: number('BENCH_HTTP_CONNECTIONS', 50),
      seconds: number('BENCH_HTTP_SECONDS', quick ? 3 : 10),
      warmupSeconds: number('BENCH_HTTP_WARMUP_SECONDS', 1),
    },
    rpc: {
      seconds: number('BENCH_RPC_SECONDS', quick ? 2 : 3),
      concurrency: [1, 64],
    },
    memory: {
      backlog: number('BENCH_BACKLOG', quick ? 5_000 : 100_000),
      backlogRuns: number('BENCH_BACKLOG_RUNS', 2, 0),
      outageSeconds: number('BENCH_OUTAGE_SECONDS', quick ? 3 : 8),
      upSeconds: number('BENCH_UP_SECONDS', quick ? 2 : 3),
      connections: number('BENCH_OUTAGE_CONNECTIONS', 50),
    },
    replicas: {
      counts: integers('BENCH_REPLICAS', [1, 2, 4], 16),
      events: number('BENCH_REPLICA_EVENTS', quick ? 2_000 : 20_000),
    },
    cpuProfile: flag('BENCH_CPU_PROF'),
    timeoutMinutes: number('BENCH_TIMEOUT_MINUTES', quick ? 15 : 40),
    skipBuild: flag('BENCH_SKIP_BUILD'),
    appRoot: process.env.BENCH_APP_ROOT || undefined,
  };
}
