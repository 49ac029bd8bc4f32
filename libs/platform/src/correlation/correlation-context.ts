import { AsyncLocalStorage } from 'node:async_hooks';

/** What ties the messages of one business flow together across HTTP requests and handlers. */
export interface CorrelationScope {
  correlationId: string;
  /** The messageId of the message being handled, recorded as the cause of what it publishes. */
  causationId?: string;
  /** How many messages the handler published so far; numbers their derived messageIds. */
  published?: number;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

/**
 * Carries the correlation id implicitly through an HTTP request or a message's handler, so logs and
 * published messages carry it without threading it through every call.
 */
export const CorrelationContext = {
  run<T>(scope: CorrelationScope, fn: () => T): T {
    return storage.run(scope, fn);
  },
  current(): CorrelationScope | undefined {
    return storage.getStore();
  },
};
