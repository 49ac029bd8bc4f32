import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'rabbitmq-cluster.sh');
/** Directories of clusters started by tests: `<tmp>/orders-rabbitmq-test-<pid of the test run>`. */
const DIR_PREFIX = 'orders-rabbitmq-test-';

/** One of the three nodes of a {@link LocalRabbitCluster}. */
export type ClusterNode = 'a' | 'b' | 'c';

/**
 * Whether `scripts/rabbitmq-cluster.sh` can start a cluster here (`rabbitmq-server` installed);
 * when it cannot, why, so a skipped test can say so.
 */
export function localClusterSupport(): { available: boolean; reason: string } {
  const check = spawnSync('bash', [SCRIPT, 'check'], { encoding: 'utf8', timeout: 10_000 });
  if (check.error) {
    return { available: false, reason: `cannot run ${SCRIPT} (${check.error.message})` };
  }
  const output = `${check.stdout}${check.stderr}`.replace(/\[[^\]]*\] (error: )?/g, '').trim();
  return { available: check.status === 0, reason: output };
}

/**
 * A 3-node RabbitMQ cluster on this machine, run by `scripts/rabbitmq-cluster.sh` from the
 * installed rabbitmq-server, beside (and independent of) the machine's own broker. Each test run
 * gets its own directory, node names and free ports, so concurrent runs don't share or stop each
 * other's nodes.
 */
export class LocalRabbitCluster {
  private constructor(
    /** AMQP URLs of nodes a, b and c, in that order. */
    readonly urls: string[],
    private readonly env: Record<string, string>,
  ) {}

  /** Starts the cluster (about 30 s on 2 cores) after stopping clusters left by dead test runs. */
  static async up(timeoutMs = 120_000): Promise<LocalRabbitCluster> {
    await sweepAbandonedClusters();
    let lastError: unknown;
    // The ports are free when chosen, but another process can take one before a node binds it.
    for (let attempt = 0; attempt < 3; attempt++) {
      const env = {
        CLUSTER_DIR: join(tmpdir(), `${DIR_PREFIX}${process.pid}`),
        CLUSTER_NODE_PREFIX: nodePrefix(process.pid),
        CLUSTER_BASE_PORT: String(await freePortRange(20_000, 29_000)),
        CLUSTER_DIST_BASE_PORT: String(await freePortRange(30_000, 32_000)),
      };
      try {
        const output = await runScript(env, ['up'], timeoutMs);
        const line = output
          .trim()
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('amqp://'));
        if (!line) {
          throw new Error(`rabbitmq-cluster.sh up printed no URL list:\n${output}`);
        }
        return new LocalRabbitCluster(line.trim().split(','), env);
      } catch (error) {
        lastError = error;
        await runScript(env, ['down'], 60_000).catch(() => undefined);
        if (!String(error).includes('already in use')) {
          break;
        }
      }
    }
    throw lastError;
  }

  url(node: ClusterNode): string {
    return this.urls[nodeIndex(node)];
  }

  nodeName(node: ClusterNode): string {
    return `${this.env.CLUSTER_NODE_PREFIX}-${node}@localhost`;
  }

  /** Stops one node's Erlang VM (gracefully: its clients see the connection closed). */
  async stopNode(node: ClusterNode): Promise<void> {
    await runScript(this.env, ['stop-node', node], 90_000);
  }

  /** Starts a stopped node again and waits until the cluster has three running nodes. */
  async startNode(node: ClusterNode): Promise<void> {
    await runScript(this.env, ['start-node', node], 90_000);
  }

  /** The names of the client connections open on a node (e.g. `consumer (publisher)`). */
  async connections(node: ClusterNode): Promise<string[]> {
    const output = await runScript(this.env, ['connections', node], 30_000);
    return output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  /** Stops the nodes and deletes the cluster's directory. */
  async down(): Promise<void> {
    await runScript(this.env, ['down'], 90_000);
    rmSync(`${this.env.CLUSTER_DIR}.lock`, { force: true });
  }
}

function nodePrefix(pid: number): string {
  return `orders-test${pid}`;
}

function nodeIndex(node: ClusterNode): number {
  return ['a', 'b', 'c'].indexOf(node);
}

/** Runs the script without blocking the event loop (the apps under test live in this process). */
function runScript(
  env: Record<string, string>,
  args: string[],
  timeoutMs = 90_000,
): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          fail(
            new Error(
              `rabbitmq-cluster.sh ${args.join(' ')} failed (${error.message}):\n${stderr}`,
            ),
          );
        } else {
          done(stdout);
        }
      },
    );
  });
}

/** Stops the clusters of test runs that died before their `down` (their pid is gone). */
async function sweepAbandonedClusters(): Promise<void> {
  for (const entry of readdirSync(tmpdir())) {
    const match = new RegExp(`^${DIR_PREFIX}(\\d+)$`).exec(entry);
    if (!match || isAlive(Number(match[1]))) {
      continue;
    }
    const dir = join(tmpdir(), entry);
    await runScript({ CLUSTER_DIR: dir, CLUSTER_NODE_PREFIX: nodePrefix(Number(match[1])) }, [
      'down',
    ]).catch(() => undefined);
    rmSync(`${dir}.lock`, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first of three consecutive ports, in [from, to), that are free on 127.0.0.1 right now. */
async function freePortRange(from: number, to: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = from + Math.floor(Math.random() * (to - from - 3));
    const free = await Promise.all([0, 1, 2].map((i) => isPortFree(base + i)));
    if (free.every(Boolean)) {
      return base;
    }
  }
  throw new Error(`No three consecutive free ports between ${from} and ${to}`);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}
