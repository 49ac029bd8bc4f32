interface GlobalWithContainer {
  __RABBITMQ_CONTAINER__?: { stop(): Promise<unknown> };
}

/** How long Jest may stay alive after the last test before the run is failed as leaking. */
const EXIT_GRACE_MS = 60_000;

/**
 * Stops the container the global setup started, if it started one, and fails the run, naming what
 * is still open, when a test left a connection, server or timer behind that keeps Jest alive.
 */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as GlobalWithContainer).__RABBITMQ_CONTAINER__?.stop();
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((type) => type !== 'TTYWrap');
    console.error(
      `Jest is still running ${EXIT_GRACE_MS / 1_000} s after the last test: a test left ` +
        `something open (${open.join(', ')}). Failing the run.`,
    );
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}
