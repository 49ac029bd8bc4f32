import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The service's Prometheus registry, with Node's default metrics. One per app (not prom-client's
 * global one), so two services in one process, as in the e2e tests, don't collide; libraries
 * register their metrics into it.
 */
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
  }
}
