// The platform's HTTP-free part: what both apps and the messaging library share. The HTTP pieces
// (health and metrics routes, the request-id interceptor) are in `@app/platform/http`.
export * from './cache/bounded-ttl-cache';
export * from './correlation/correlation-context';
export * from './ids/name-based-uuid';
export * from './logging/service-logger';
export * from './metrics/latency-buckets';
export * from './validation/compiled-validator';
export * from './validation/fast-validation.pipe';
export * from './validation/field-errors';
export * from './validation/size-guard';
