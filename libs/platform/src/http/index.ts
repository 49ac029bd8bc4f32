// The platform's HTTP part: routes (health, metrics) and the request-id interceptor. Apps import
// these modules explicitly; no module mounts a route it does not declare here.
export * from './correlation/correlation-id.interceptor';
export * from './health/health.module';
export * from './health/readiness';
export * from './metrics/http-metrics';
export * from './metrics/metrics-registry';
export * from './metrics/metrics.module';
