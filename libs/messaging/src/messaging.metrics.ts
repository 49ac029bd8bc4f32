import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumeOutcome } from './rabbitmq.server';

/** How a publish ended, as counted by `messaging_published_total`. */
export type PublishResult = 'confirmed' | 'unroutable' | 'rejected' | 'unavailable' | 'failed';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of one service, in a registry of its own (so two services in one process,
 * as in the e2e tests, don't collide): what was published and consumed, how long it took, and
 * whether the broker connection is up.
 */
export class MessagingMetrics {
  readonly registry = new Registry();

  readonly published = new Counter({
    name: 'messaging_published_total',
    help: 'Messages published, by pattern and result (confirmed, unroutable, rejected, unavailable, failed)',
    labelNames: ['pattern', 'result'] as const,
    registers: [this.registry],
  });

  readonly confirmLatency = new Histogram({
    name: 'messaging_publish_confirm_seconds',
    help: 'Time from publish to the broker confirm (including any wait for a connection)',
    labelNames: ['pattern'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly consumed = new Counter({
    name: 'messaging_consumed_total',
    help: 'Deliveries handled, by pattern and outcome (acked, retried, dead-lettered, duplicate, replied, requeued)',
    labelNames: ['pattern', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly handlerDuration = new Histogram({
    name: 'messaging_handler_duration_seconds',
    help: 'Time spent handling a delivery, by pattern and outcome',
    labelNames: ['pattern', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'messaging_request_duration_seconds',
    help: 'Request/response round trip, by pattern and result (ok, error, timeout)',
    labelNames: ['pattern', 'result'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly requestTimeouts = new Counter({
    name: 'messaging_request_timeouts_total',
    help: 'Requests that got no reply in time',
    labelNames: ['pattern'] as const,
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'messaging_in_flight_handlers',
    help: 'Handlers running right now',
    registers: [this.registry],
  });

  readonly consumerPaused = new Gauge({
    name: 'messaging_consumer_paused',
    help: '1 while consumption is paused because a dependency of the handlers is unavailable',
    registers: [this.registry],
  });

  readonly connectionUp = new Gauge({
    name: 'messaging_connection_up',
    help: '1 while the channel to the broker is open and set up, by role (publisher, consumer)',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observeConsume(pattern: string, outcome: ConsumeOutcome, durationMs: number): void {
    this.consumed.inc({ pattern, outcome });
    this.handlerDuration.observe({ pattern, outcome }, durationMs / 1_000);
  }
}
