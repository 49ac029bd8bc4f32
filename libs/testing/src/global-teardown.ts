interface GlobalWithContainers {
  __TEST_CONTAINERS__?: { stop(): Promise<unknown> }[];
}

/** How long Jest may stay alive after the last test before the run is failed as leaking. */
const EXIT_GRACE_MS = 60_000;

/**
 * Stops the containers the global setup started, if it started any, and fails the run, naming what
 * is still open, when a test left a connection, server or timer behind that keeps Jest alive.
 */
export default async function globalTeardown(): Promise<void> {
  const containers = (globalThis as GlobalWithContainers).__TEST_CONTAINERS__ ?? [];
  await Promise.all(containers.map((container) => container.stop()));
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((type) => type !== 'TTYWrap');
    console.error(
      `Jest is still running ${EXIT_GRACE_MS / 1_000} s after the last test: a test left ` +
        `something open (${open.join(', ')}). Failing the run.`,
    );
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}
