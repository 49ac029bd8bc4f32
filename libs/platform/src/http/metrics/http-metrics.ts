import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';
import { LATENCY_BUCKETS } from '../../metrics/latency-buckets';

/** `http_request_duration_seconds`, by method, route and status. */
export class HttpMetrics {
  readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests, by method, route and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }
}

/**
 * Measures every response, including those Fastify answers itself (413, 415, 404), by its route
 * template (never the raw URL, so the label set stays bounded).
 */
export function measureHttp(app: NestFastifyApplication): void {
  const metrics = app.get(HttpMetrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      metrics.duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1_000,
      );
      done();
    });
}
