// The RabbitMQ layer: client, server, channel, topology, retries, dead letters, de-duplication.
// Nothing HTTP here: health and metrics routes live in `@app/platform/http`.
export * from './consume-outcome';
export * from './delivery-headers';
export * from './dependency-gate';
export * from './failure-copy';
export * from './field-table';
export * from './handler-decorators';
export * from './managed-channel';
export * from './message-bus';
export * from './message-headers';
export * from './message-validation.pipe';
export * from './messaging.config';
export * from './messaging.constants';
export * from './messaging.errors';
export * from './messaging.metrics';
export * from './messaging.module';
export * from './messaging.module-definition';
export * from './messaging.readiness';
export * from './processed-message-store';
export * from './queue-topology';
export * from './rabbitmq.client';
export * from './rabbitmq.microservice';
export * from './rabbitmq.server';
export * from './redis-processed-message-store';
export * from './retry-policy';
export * from './rpc-error-passthrough.filter';
