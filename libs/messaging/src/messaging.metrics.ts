import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { ConsumeOutcome } from './consume-outcome';
import { LATENCY_BUCKETS } from '@app/platform';

/** How a publish ended, as counted by `messaging_published_total`. */
export type PublishResult = 'confirmed' | 'unroutable' | 'rejected' | 'unavailable' | 'failed';

/**
 * The messaging metrics of one service: what was published and consumed, how long it took, and
 * whether the broker connection is up. Registered in the registry given (the app's), never in
 * prom-client's global one, so two services in one process, as in the e2e tests, don't collide.
 */
export class MessagingMetrics {
  readonly published = new Counter({
    name: 'messaging_published_total',
    help: 'Messages published, by pattern and result (confirmed, unroutable, rejected, unavailable, failed)',
    labelNames: ['pattern', 'result'] as const,
    registers: [],
  });

  readonly confirmLatency = new Histogram({
    name: 'messaging_publish_confirm_seconds',
    help: 'Time from publish to the broker confirm (including any wait for a connection)',
    labelNames: ['pattern'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });

  readonly consumed = new Counter({
    name: 'messaging_consumed_total',
    help: 'Deliveries handled, by pattern and outcome (acked, retried, dead-lettered, duplicate, replied, requeued)',
    labelNames: ['pattern', 'outcome'] as const,
    registers: [],
  });

  readonly handlerDuration = new Histogram({
    name: 'messaging_handler_duration_seconds',
    help: 'Time spent handling a delivery, by pattern and outcome',
    labelNames: ['pattern', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });

  readonly requestDuration = new Histogram({
    name: 'messaging_request_duration_seconds',
    help: 'Request/response round trip, by pattern and result (ok, error, timeout)',
    labelNames: ['pattern', 'result'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });

  readonly requestTimeouts = new Counter({
    name: 'messaging_request_timeouts_total',
    help: 'Requests that got no reply in time',
    labelNames: ['pattern'] as const,
    registers: [],
  });

  readonly inFlight = new Gauge({
    name: 'messaging_in_flight_handlers',
    help: 'Handlers running right now',
    registers: [],
  });

  readonly consumerPaused = new Gauge({
    name: 'messaging_consumer_paused',
    help: '1 while consumption is paused because a dependency of the handlers is unavailable',
    registers: [],
  });

  readonly outboxPending = new Gauge({
    name: 'messaging_outbox_pending',
    help: 'Outbox rows committed and not yet published',
    registers: [],
  });

  readonly outboxOldestAge = new Gauge({
    name: 'messaging_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox row (the outbox lag); 0 when none is waiting',
    registers: [],
  });

  readonly inboxDuplicates = new Counter({
    name: 'messaging_inbox_duplicates_total',
    help: 'Deliveries the inbox recognised as already handled, by pattern',
    labelNames: ['pattern'] as const,
    registers: [],
  });

  readonly connectionUp = new Gauge({
    name: 'messaging_connection_up',
    help: '1 while the channel to the broker is open and set up, by role (publisher, consumer)',
    labelNames: ['role'] as const,
    registers: [],
  });

  /** Registers into the app's registry (its `/metrics`), or into one of its own. */
  constructor(readonly registry: Registry = new Registry()) {
    const metrics: Metric[] = [
      this.published,
      this.confirmLatency,
      this.consumed,
      this.handlerDuration,
      this.requestDuration,
      this.requestTimeouts,
      this.inFlight,
      this.consumerPaused,
      this.connectionUp,
      this.outboxPending,
      this.outboxOldestAge,
      this.inboxDuplicates,
    ];
    for (const metric of metrics) {
      registry.registerMetric(metric);
    }
  }

  observeConsume(pattern: string, outcome: ConsumeOutcome, durationMs: number): void {
    this.consumed.inc({ pattern, outcome });
    this.handlerDuration.observe({ pattern, outcome }, durationMs / 1_000);
  }
}
