import { AsyncLocalStorage } from 'node:async_hooks';

/** What ties the messages of one business flow together across HTTP requests and handlers. */
export interface MessageContextStore {
  correlationId: string;
  /** The messageId of the message being handled, recorded as the cause of what it publishes. */
  causationId?: string;
  /** How many messages the handler published so far; numbers their derived messageIds. */
  published?: number;
}

const storage = new AsyncLocalStorage<MessageContextStore>();

/** Carries the correlation id implicitly, so publishing code does not thread it through every call. */
export const MessageContext = {
  run<T>(store: MessageContextStore, fn: () => T): T {
    return storage.run(store, fn);
  },
  current(): MessageContextStore | undefined {
    return storage.getStore();
  },
};
