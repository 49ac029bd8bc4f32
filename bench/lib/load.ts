import autocannon from 'autocannon';
import { describe } from './scope';

/** How a batch of sends went. */
export interface PumpResult {
  /** When the last send settled (performance.now()). */
  lastAt: number;
  errors: number;
  firstError?: string;
}

/** Sends every item with at most `window` sends awaiting their result at once. */
export async function pump<T>(
  items: readonly T[],
  window: number,
  send: (item: T) => Promise<void>,
): Promise<PumpResult> {
  const result: PumpResult = { lastAt: performance.now(), errors: 0 };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await send(item);
      } catch (error) {
        result.errors++;
        result.firstError ??= describe(error);
      }
      result.lastAt = performance.now();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker));
  return result;
}

/** What a closed-loop run measured. */
export interface LoopResult {
  /** Latency of each successful call, in ms. */
  latenciesMs: number[];
  errors: number;
  firstError?: string;
  elapsedMs: number;
}

/** `concurrency` callers each calling again as soon as the previous call settled, for `durationMs`. */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  call: () => Promise<unknown>,
): Promise<LoopResult> {
  const result: LoopResult = { latenciesMs: [], errors: 0, elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + durationMs;
  const caller = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        await call();
        result.latenciesMs.push(performance.now() - sent);
      } catch (error) {
        result.errors++;
        result.firstError ??= describe(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  result.elapsedMs = performance.now() - started;
  return result;
}

/** One response autocannon saw, with when it arrived. */
export interface ResponseEvent {
  at: number;
  status: number;
  latencyMs: number;
}

/** What an autocannon run measured; latencies are kept at full (sub-ms) precision. */
export interface HttpLoadResult {
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  durationS: number;
  /** Latencies of the 2xx responses, in ms. */
  latenciesMs: number[];
  statusCounts: Record<string, number>;
  endedAt: number;
}

export interface HttpLoadOptions {
  port: number;
  path: string;
  body: string;
  connections: number;
  seconds: number;
  /** Called with the body of every 2xx response. */
  onOk?: (body: string) => void;
  /** Called for every response, e.g. to split counts by phase. */
  onResponse?: (event: ResponseEvent) => void;
}

/** POSTs `body` with autocannon at a fixed number of connections for a fixed time. */
export function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const latenciesMs: number[] = [];
  const statusCounts: Record<string, number> = {};
  const { onOk, onResponse } = options;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${options.port}`,
        connections: options.connections,
        duration: options.seconds,
        requests: [
          {
            method: 'POST',
            path: options.path,
            headers: {
              'content-type': 'application/json',
              // The producer checks it when API_KEY is set (the bare server ignores it).
              ...(process.env.API_KEY ? { 'x-api-key': process.env.API_KEY } : {}),
            },
            body: options.body,
            ...(onOk
              ? {
                  onResponse: (status: number, body: string) => {
                    if (status >= 200 && status < 300) {
                      onOk(body);
                    }
                  },
                }
              : {}),
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(describeError(error)));
          return;
        }
        resolve({
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          durationS: result.duration,
          latenciesMs,
          statusCounts,
          endedAt: performance.now(),
        });
      },
    );
    instance.on('response', (_client, status, _bytes, latencyMs) => {
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        latenciesMs.push(latencyMs);
      }
      onResponse?.({ at: performance.now(), status, latencyMs });
    });
  });
}

function describeError(error: unknown): string {
  return typeof error === 'string' ? error : JSON.stringify(error);
}
