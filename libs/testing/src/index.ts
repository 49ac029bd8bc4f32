export * from './broker';
export * from './event-probe';
export * from './queue-reader';
export * from './rabbitmq-cluster';
export * from './service-process';
export * from './tcp-proxy';
export * from './test-env';
export * from './wait-for';
