import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import * as ts from 'typescript';
import { waitFor } from '@app/testing';

export const ROOT = resolve(__dirname, '..', '..');
export const PROFILE_DIR = join(ROOT, 'bench', 'results', 'profiles');

const LOG_DIR = mkdtempSync(join(tmpdir(), 'nest-rabbitmq-bench-'));
const live = new Set<BenchProcess>();
let keepLogs = false;

// Whatever happens (an exception, process.exit), no child outlives the bench.
process.on('exit', () => {
  for (const child of live) {
    child.kill();
  }
  if (keepLogs) {
    console.error(`The services' logs are kept in ${LOG_DIR}`);
  } else {
    rmSync(LOG_DIR, { recursive: true, force: true });
  }
});

/** Keeps the children's logs (in a temp folder) after exit, e.g. after a failure. */
export function keepChildLogs(): string {
  keepLogs = true;
  return LOG_DIR;
}

/** The checkout whose dist/ the apps run from: this one, or BENCH_APP_ROOT (e.g. another commit). */
let appRoot = ROOT;

export function useAppRoot(root: string): void {
  appRoot = resolve(root);
}

/** The checkout whose built apps run (this one unless BENCH_APP_ROOT). */
export function currentAppRoot(): string {
  return appRoot;
}

/** Builds both apps with scripts/build-if-stale.mjs unless their build is current. */
export function buildApps(): void {
  const build = spawnSync(
    process.execPath,
    [join(appRoot, 'scripts', 'build-if-stale.mjs'), 'consumer', 'producer'],
    { cwd: appRoot, stdio: 'inherit' },
  );
  if (build.status !== 0) {
    throw new Error(
      'Building the apps failed (BENCH_SKIP_BUILD=1 runs the existing build as it is)',
    );
  }
}

/** How the bench's own services are transpiled: CommonJS, with the decorator settings of tsconfig.json. */
export const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2023,
  // Nest's decorators (plain-nest-http.ts, the peers), as tsconfig.json compiles them for the apps.
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
};

let rawServices: Record<string, string> | undefined;

/** Transpiles bench/raw/*.ts to CommonJS in the temp folder; returns file name → .js path. */
function transpileRawServices(): Record<string, string> {
  if (rawServices) {
    return rawServices;
  }
  const source = join(ROOT, 'bench', 'raw');
  const target = join(LOG_DIR, 'raw');
  mkdirSync(target, { recursive: true });
  rawServices = {};
  for (const file of readdirSync(source).filter((name) => name.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(source, file), 'utf8'), {
      compilerOptions: TRANSPILE_OPTIONS,
      fileName: file,
    });
    const output = join(target, file.replace(/\.ts$/, '.js'));
    writeFileSync(output, outputText);
    rawServices[file] = output;
  }
  return rawServices;
}

/** Resident memory of a process from /proc, in MiB: now, and the peak since start (or reset). */
export interface Memory {
  rssMb: number;
  hwmMb: number;
}

function readMemory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** The bench process's own memory. */
export function ownMemory(): Memory {
  return readMemory(process.pid) ?? { rssMb: 0, hwmMb: 0 };
}

/** Resets the bench process's peak RSS (VmHWM) to its current RSS, so each run has its own peak. */
export function resetOwnPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: the peak then spans the whole bench.
  }
}

/** CPU time (user + system) a process used so far, in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14 and stime 15, in clock ticks (100/s).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

let brokerPid: { pid?: number } | undefined;

/** The local broker's process, to account its CPU; undefined when the broker is elsewhere. */
export function localBrokerPid(brokerUrl: string): number | undefined {
  brokerPid ??= { pid: findLocalBroker(brokerUrl) };
  return brokerPid.pid;
}

/** The process listening on the broker's port, when the broker runs on this machine. */
function findLocalBroker(brokerUrl: string): number | undefined {
  const url = new URL(brokerUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    return undefined;
  }
  const port = Number(url.port || (url.protocol === 'amqps:' ? 5671 : 5672));
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is "HEXIP:HEXPORT", st 0A is LISTEN, the inode is field 10.
        if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) {
          inodes.add(`socket:[${fields[9]}]`);
        }
      }
    } catch {
      // No such table (no IPv6).
    }
  }
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) {
          return Number(entry);
        }
      }
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return undefined;
}

/** A process, or a group of processes found anew at each reading (e.g. a database's backends). */
export type Metered = number | (() => number[]) | undefined;

/**
 * CPU time each of a set of processes used between start() and stop(). A group counts every member
 * found at stop(): one that started meanwhile with all its time, one that ended meanwhile not at all.
 */
export class CpuMeter {
  private readonly started = new Map<string, Map<number, number>>();

  constructor(private readonly pids: Record<string, Metered>) {}

  start(): this {
    for (const [name, metered] of Object.entries(this.pids)) {
      const used = readGroup(metered);
      if (used.size > 0) {
        this.started.set(name, used);
      }
    }
    return this;
  }

  /** CPU microseconds per unit of work (message, request) of each process since start(). */
  stop(units: number): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [name, before] of this.started) {
      const now = readGroup(this.pids[name]);
      if (now.size === 0 || units <= 0) {
        continue;
      }
      let seconds = 0;
      for (const [pid, cpu] of now) {
        seconds +=
          cpu -
          (typeof this.pids[name] === 'function'
            ? (before.get(pid) ?? 0)
            : (before.get(pid) ?? cpu));
      }
      used[name] = (seconds / units) * 1e6;
    }
    return used;
  }
}

function readGroup(metered: Metered): Map<number, number> {
  const pids = metered === undefined ? [] : typeof metered === 'number' ? [metered] : metered();
  const used = new Map<number, number>();
  for (const pid of pids) {
    const cpu = cpuSeconds(pid);
    if (cpu !== undefined) {
      used.set(pid, cpu);
    }
  }
  return used;
}

/**
 * The local PostgreSQL server's processes (postmaster, backends, WAL writer, ...), read anew each
 * time; none when DATABASE_URL is another host.
 */
export function localDatabasePids(databaseUrl: string): () => number[] {
  let host = '';
  try {
    host = new URL(databaseUrl).hostname;
  } catch {
    // Not a URL: treat it as remote.
  }
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) {
    return () => [];
  }
  return () =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
        } catch {
          return false;
        }
      })
      .map(Number);
}

/** Node flags that write a CPU profile of the process to bench/results/profiles on exit. */
function profileArgs(name: string, enabled = false): string[] {
  if (!enabled) {
    return [];
  }
  mkdirSync(PROFILE_DIR, { recursive: true });
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${PROFILE_DIR}`,
    `--cpu-prof-name=${name}.${Date.now()}.cpuprofile`,
  ];
}

/** One RSS sample with the time it was taken (performance.now()). */
export interface RssSample {
  at: number;
  rssMb: number;
}

/**
 * A child process of the bench (a built Nest app or a raw amqplib service), with its output in a
 * log file, its memory sampled from /proc, and a guaranteed kill when the bench exits.
 */
export class BenchProcess {
  readonly samples: RssSample[] = [];
  private readonly exited: Promise<void>;
  private sampler?: NodeJS.Timeout;
  private exitCode?: number | null;
  private lastMemory?: Memory;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    live.add(this);
    this.exited = new Promise((done) => {
      const ended = (code: number | null) => {
        this.exitCode ??= code;
        live.delete(this);
        clearInterval(this.sampler);
        done();
      };
      child.once('exit', ended);
      // Spawning failed: there will be no 'exit'.
      child.once('error', () => ended(null));
    });
  }

  /**
   * Runs the built app (its launcher, dist/<app>.js) as production does; `name` (default:
   * the app) tells replicas of one app apart in log files, profiles and errors.
   */
  static nestApp(
    app: 'producer' | 'consumer',
    env: Record<string, string>,
    options: { cpuProfile?: boolean; name?: string } = {},
  ): BenchProcess {
    const name = options.name ?? app;
    const entry = join(appRoot, 'dist', `${app}.js`);
    if (!existsSync(entry)) {
      throw new Error(`${entry} is missing; run node scripts/build-if-stale.mjs ${app}`);
    }
    return BenchProcess.benchApp(name, entry, env, options);
  }

  /**
   * Runs a built entry (an app's launcher, or a bench-only app of bench/apps/ built by
   * bench/lib/bench-apps.ts on the app's own build): no TypeScript loader, the apps' NODE_OPTIONS.
   */
  static benchApp(
    name: string,
    entry: string,
    env: Record<string, string>,
    options: { cpuProfile?: boolean } = {},
  ): BenchProcess {
    const args = [...profileArgs(name, options.cpuProfile), entry];
    const nodeOptions = process.env.BENCH_APP_NODE_OPTIONS;
    return BenchProcess.start(
      name,
      args,
      nodeOptions ? { ...env, NODE_OPTIONS: nodeOptions } : env,
      false,
      appRoot,
    );
  }

  /**
   * Runs one of bench/raw/*.ts as plain JavaScript (transpiled once into a temp folder), so its
   * memory and start-up carry no TypeScript loader, unlike the bench process itself.
   */
  static rawService(
    name: string,
    script: string,
    env: Record<string, string>,
    options: { cpuProfile?: boolean } = {},
  ): BenchProcess {
    const entry = transpileRawServices()[script];
    if (!entry) {
      throw new Error(`bench/raw/${script} does not exist`);
    }
    const nodePath = [join(ROOT, 'node_modules'), env.NODE_PATH].filter(Boolean).join(delimiter);
    const args = [...profileArgs(name, options.cpuProfile), entry];
    return BenchProcess.start(name, args, { ...env, NODE_PATH: nodePath }, true, ROOT);
  }

  /**
   * Runs a peer's service from its build (bench/peers/<peer>/dist, see bench/lib/peers.ts), where
   * it resolves its packages from that peer's node_modules.
   */
  static peerService(
    name: string,
    entry: string,
    env: Record<string, string>,
    options: { cpuProfile?: boolean } = {},
  ): BenchProcess {
    if (!existsSync(entry)) {
      throw new Error(`${entry} is missing: the peers were not built`);
    }
    const args = [...profileArgs(name, options.cpuProfile), entry];
    return BenchProcess.start(name, args, env, true, ROOT);
  }

  private static start(
    name: string,
    args: string[],
    env: Record<string, string>,
    ipc: boolean,
    cwd: string,
  ): BenchProcess {
    const logFile = join(LOG_DIR, `${name}.${Date.now()}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...env, NO_COLOR: '1' },
      stdio: ['ignore', log, log, ...(ipc ? (['ipc'] as const) : [])],
    });
    closeSync(log);
    return new BenchProcess(name, child, logFile);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Polls GET /health/ready until the app reports ready. */
  async waitHttpReady(port: number, timeoutMs = 30_000): Promise<void> {
    const ready = waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
        await response.body?.cancel();
        return response.ok;
      },
      { timeoutMs, intervalMs: 100, description: `${this.name} to become ready` },
    );
    const died = this.exited.then(() => {
      throw new Error(`${this.name} exited with code ${String(this.exitCode)} during start-up`);
    });
    await Promise.race([ready, died]).catch((error: unknown) => {
      throw this.failure(error);
    });
    died.catch(() => undefined);
    this.startSampling();
  }

  /** Waits for the raw service's `{ ready: true }` IPC message. */
  async waitIpcReady(timeoutMs = 30_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) {
          reject(this.failure(error));
        } else {
          resolve();
        }
      };
      const onMessage = () => settle();
      const onExit = () => settle(new Error(`${this.name} exited during start-up`));
      const timer = setTimeout(
        () => settle(new Error(`${this.name} not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
    this.startSampling();
  }

  /** Current and peak RSS, or the last known values once the process exited. */
  memory(): Memory | undefined {
    const memory = this.exitCode === undefined ? readMemory(this.pid) : undefined;
    if (memory) {
      this.lastMemory = memory;
    }
    return memory ?? this.lastMemory;
  }

  /** The highest RSS seen: the kernel's high-water mark or a sample, whichever is higher. */
  peakRssMb(): number {
    const sampled = Math.max(0, ...this.samples.map((s) => s.rssMb));
    return Math.max(sampled, this.memory()?.hwmMb ?? 0);
  }

  /** Peak RSS among the samples taken in [from, to] (performance.now() times). */
  peakRssBetween(from: number, to: number): number {
    return Math.max(
      0,
      ...this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rssMb),
    );
  }

  /** SIGTERM (graceful drain), SIGKILL after `timeoutMs`; resolves once it exited. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exitCode !== undefined) {
      return;
    }
    this.memory();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL now; used on exit. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** The last lines of the process's output. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private startSampling(intervalMs = 100): void {
    clearInterval(this.sampler);
    this.sampler = setInterval(() => {
      const memory = this.memory();
      if (memory) {
        this.samples.push({ at: performance.now(), rssMb: memory.rssMb });
      }
    }, intervalMs);
    this.sampler.unref();
  }

  private failure(error: unknown): Error {
    keepChildLogs();
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`${message}\n--- ${this.logFile} (last lines) ---\n${this.tail()}`);
  }
}
