// The platform's HTTP part: routes (health, metrics), request ids, error answers (RFC 9457 problem
// details), security headers. Apps import these modules explicitly; no module mounts a route it
// does not declare here.
export * from './correlation/correlation-id.interceptor';
export * from './correlation/request-id';
export * from './health/health.module';
export * from './health/readiness';
export * from './metrics/http-metrics';
export * from './metrics/metrics-registry';
export * from './metrics/metrics.module';
export * from './problem';
export * from './security/security-headers';
