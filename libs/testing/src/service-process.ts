import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '..', '..', '..');

/** A port that was free a moment ago, for a child service's HTTP server. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * One of the apps running as a real process from its build, so tests can SIGKILL or SIGTERM it.
 * Builds the app first when its sources are newer than the build.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output = '';

  constructor(
    private readonly app: 'producer' | 'consumer',
    private readonly env: Record<string, string>,
    readonly port: number,
  ) {
    ServiceProcess.ensureBuilt(app);
  }

  /** Builds the app when its sources are newer than its build; a test can do it in a slow hook. */
  static ensureBuilt(app: 'producer' | 'consumer'): void {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs'), app], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    if (build.status !== 0) {
      throw new Error(
        `Building ${app} failed:\n${build.stdout.toString()}${build.stderr.toString()}`,
      );
    }
  }

  /** Starts the process and waits until it reports ready. */
  async start(): Promise<void> {
    // The launcher scripts/build-if-stale.mjs writes (after the build above).
    const entry = join(ROOT, 'dist', `${this.app}.js`);
    const child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
    await waitFor(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`${this.app} exited with ${child.exitCode}:\n${this.output}`);
        }
        const response = await fetch(`http://127.0.0.1:${this.port}/health/ready`);
        return response.ok;
      },
      { timeoutMs: 20_000, description: `${this.app} to become ready` },
    );
  }

  /** Sends a signal and waits for the process to exit; returns how it exited. */
  async stop(
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (!this.child) {
      return undefined;
    }
    this.child.kill(signal);
    const exit = await this.exited;
    this.child = undefined;
    return exit;
  }
}
