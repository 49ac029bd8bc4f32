import { Redis } from 'ioredis';

/** Longest a Redis call may take before it counts as a failure; a call never waits in a queue. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/**
 * A Redis client for stores that sit on a request's or a delivery's path: a call fails within
 * {@link REDIS_COMMAND_TIMEOUT_MS} rather than waiting in ioredis' offline queue while Redis is away
 * (which held requests for 2-15 s), and nothing connects until the first call, so a client that is
 * built and never used opens no connection that nothing would close.
 */
export class RedisConnection {
  readonly client: Redis;
  private connecting?: Promise<void>;

  constructor(url: string, connectionName: string) {
    this.client = new Redis(url, {
      connectionName,
      lazyConnect: true,
      enableOfflineQueue: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: REDIS_COMMAND_TIMEOUT_MS * 2,
      maxRetriesPerRequest: 0,
    });
    // Failures surface on each call; the event must not crash the process.
    this.client.on('error', () => undefined);
  }

  /** The client, connected: the first call connects (bounded); later ones fail fast while it is away. */
  async ready(): Promise<Redis> {
    if (this.client.status === 'wait') {
      this.connecting ??= this.client.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    if (this.connecting) {
      await this.connecting;
    }
    return this.client;
  }

  async close(): Promise<void> {
    if (this.client.status === 'wait') {
      this.client.disconnect();
      return;
    }
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
