export * from './broker';
export * from './event-probe';
export * from './tcp-proxy';
export * from './test-env';
export * from './wait-for';
