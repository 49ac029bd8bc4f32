export * from './broker';
export * from './event-probe';
export * from './queue-reader';
export * from './tcp-proxy';
export * from './test-env';
export * from './wait-for';
