// The life cycle every bench baseline service shares: it tells the bench (its parent, over IPC)
// when it is ready, and stops on SIGTERM or as soon as the bench is gone.

/** Starts a service whose `start` resolves with how to close it. */
export function runService(start: () => Promise<() => Promise<unknown>>): void {
  start().then(
    (close) => {
      const stop = () => {
        void close().finally(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      // The bench is gone (even SIGKILLed): do not linger.
      process.once('disconnect', stop);
      process.send?.({ ready: true });
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
