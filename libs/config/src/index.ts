export * from './env-transforms';
export * from './load-env';
export * from './redact-url';
export * from './secrets-match';
export * from './app-config.module';
