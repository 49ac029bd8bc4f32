export * from './env-transforms';
export * from './env-validators';
export * from './load-env';
export * from './redact-url';
export * from './secrets-match';
export * from './app-config.module';
