import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { queueNames, retryDelays } from '@app/messaging';
import {
  connectBroker,
  deleteTopology,
  freePort,
  isolatedBrokerEnv,
  ServiceProcess,
  waitFor,
} from '@app/testing';

const ROOT = resolve(__dirname, '..', '..', '..');

/** `npm start` as a user runs it (the script it names), with its output kept for failures. */
class StartScript {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    const inherited = { ...process.env };
    delete inherited.DATABASE_URL; // each app gets an embedded database under DATA_DIR
    this.child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      cwd: ROOT,
      env: { ...inherited, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed test can still stop the apps it started.
      detached: true,
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((done) =>
      this.child.on('exit', (code, signal) => done({ code, signal })),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** How the script exited, within `timeoutMs`. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, fail) => {
      timer = setTimeout(
        () => fail(new Error(`start.mjs still running after ${timeoutMs} ms:\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the script (SIGTERM, bounded), then whatever of its process group is left. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.signal('SIGTERM');
      await this.exit(15_000).catch(() => undefined);
    }
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // Nothing left of the group.
    }
  }
}

/**
 * Both apps read one environment, so they declare their default queues (named after the service)
 * on the shared broker; delete them only when nobody else uses them and they are empty.
 */
async function deleteDefaultQueuesIfUnused(env: Record<string, string>): Promise<void> {
  const delays = retryDelays({
    maxAttempts: Number(env.RETRY_MAX_ATTEMPTS),
    initialDelayMs: Number(env.RETRY_INITIAL_DELAY_MS),
    multiplier: Number(env.RETRY_MULTIPLIER),
  });
  const connection = await connectBroker();
  try {
    for (const service of ['producer', 'consumer']) {
      const names = queueNames(service);
      for (const name of [
        names.work,
        names.requests,
        names.deadLetter,
        ...delays.map(names.retry),
      ]) {
        // A missing queue closes its channel: one channel per queue. (Quorum queues refuse the
        // ifUnused/ifEmpty flags, so check first.)
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        const queue = await channel.checkQueue(name).catch(() => undefined);
        if (queue?.consumerCount === 0 && queue.messageCount === 0) {
          await channel.deleteQueue(name);
        }
        await channel.close().catch(() => undefined);
      }
    }
  } finally {
    await connection.close();
  }
}

const answers = async (url: string): Promise<boolean> =>
  fetch(url).then(
    (response) => response.ok,
    () => false,
  );

/**
 * 0013: `npm start` runs our start script instead of `nest start`: it builds what is stale, starts
 * both apps, forwards SIGTERM, and stops the other app when one exits. Nothing else runs it.
 */
describe('npm start (scripts/start.mjs)', () => {
  const broker = isolatedBrokerEnv('start');
  let dataDir: string;
  let script: StartScript | undefined;

  beforeAll(() => {
    ServiceProcess.ensureBuilt('producer');
    ServiceProcess.ensureBuilt('consumer');
  }, 300_000);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orders-start-'));
  });

  afterEach(async () => {
    await script?.stop();
    script = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await deleteTopology(broker, []);
    await deleteDefaultQueuesIfUnused(broker);
  });

  const envFor = async () => ({
    ...broker,
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    CONSUMER_PORT: String(await freePort()),
  });

  it('starts both apps, and on SIGTERM stops both and exits 0', async () => {
    const env = await envFor();
    script = new StartScript(env);
    const urls = [`http://127.0.0.1:${env.PORT}`, `http://127.0.0.1:${env.CONSUMER_PORT}`];

    for (const url of urls) {
      await waitFor(() => answers(`${url}/health/live`), {
        timeoutMs: 60_000,
        description: `${url} to answer (output so far: ${script.output.slice(-500)})`,
      });
    }
    script.signal('SIGTERM');

    await expect(script.exit(30_000)).resolves.toEqual({ code: 0, signal: null });
    for (const url of urls) {
      expect(await answers(`${url}/health/live`)).toBe(false);
    }
  }, 120_000);

  it('stops the other app and exits non-zero when one app fails at start', async () => {
    const env = { ...(await envFor()), CONSUMER_PORT: 'not-a-port' };
    script = new StartScript(env);

    const exit = await script.exit(60_000);

    expect(exit.code).not.toBe(0);
    expect(script.output).toContain('CONSUMER_PORT');
    expect(await answers(`http://127.0.0.1:${env.PORT}/health/live`)).toBe(false);
  }, 120_000);
});
