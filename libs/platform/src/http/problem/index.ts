export * from './problem-details';
export * from './problem-details.filter';
export * from './problem-errors';
export * from './problem-mapping';
export * from './send-problem';
export * from './use-problem-details';
export * from './problem-docs';
