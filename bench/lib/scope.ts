type Task = () => unknown;

const open = new Set<Scope>();
/** Tasks deferred after their scope closed (a run still starting things after Ctrl-C). */
const stragglers = new Set<Promise<void>>();

/**
 * Collects what a workload started (processes, connections, queues) and undoes it in reverse
 * order, on success, on failure, and on Ctrl-C: every scope still open is closed before exit.
 */
export class Scope {
  private readonly tasks: { label: string; task: Task }[] = [];
  private closing?: Promise<void>;

  constructor(readonly name: string) {
    open.add(this);
  }

  /** Runs `task` when the scope closes; tasks run last-registered first. */
  defer(label: string, task: Task): void {
    if (this.closing) {
      const late = this.run({ label, task }).finally(() => stragglers.delete(late));
      stragglers.add(late);
      return;
    }
    this.tasks.push({ label, task });
  }

  /** Runs the tasks once; a second caller (e.g. Ctrl-C during a failing run) waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.runTasks().finally(() => open.delete(this));
    return this.closing;
  }

  private async runTasks(): Promise<void> {
    for (let next = this.tasks.pop(); next; next = this.tasks.pop()) {
      await this.run(next);
    }
  }

  private async run({ label, task }: { label: string; task: Task }): Promise<void> {
    try {
      await task();
    } catch (error) {
      console.error(`  cleanup of ${this.name} (${label}) failed: ${describe(error)}`);
    }
  }
}

/** Closes every open scope, newest first, giving up after `timeoutMs`. */
export async function closeAllScopes(timeoutMs: number): Promise<void> {
  const closing = (async () => {
    for (const scope of [...open].reverse()) {
      await scope.close();
    }
    await Promise.all([...stragglers]);
  })();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closing,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/** On SIGINT/SIGTERM: clean up the broker and the children, then exit. */
export function exitCleanlyOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up...`);
      void closeAllScopes(15_000).finally(() => process.exit(130));
    });
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
