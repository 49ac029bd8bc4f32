interface GlobalWithContainer {
  __RABBITMQ_CONTAINER__?: { stop(): Promise<unknown> };
}

/** Stops the container the global setup started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as GlobalWithContainer).__RABBITMQ_CONTAINER__?.stop();
}
