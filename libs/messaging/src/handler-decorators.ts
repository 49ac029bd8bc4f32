import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { RequestMap } from './message-bus';

type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Makes a decorator call fail to compile, with the expected type in the error message. */
type Mismatch<What extends string, Expected> = { [K in What]: Expected };

/** Accepted when the handler's first parameter is exactly the contract's payload type. */
type PayloadCheck<Method, Expected> = Method extends (
  payload: infer Actual,
  ...rest: never[]
) => unknown
  ? Exactly<Actual, Expected> extends true
    ? unknown
    : Mismatch<'handler payload must be the contract payload', Expected>
  : unknown;

/** Accepted when the handler returns the contract's reply (or a Promise of it). */
type ReplyCheck<Method, Expected> = Method extends (...args: never[]) => infer Result
  ? Awaited<Result> extends Expected
    ? unknown
    : Mismatch<'handler must return the contract reply', Expected>
  : unknown;

/** What a handler declares about itself, beside its pattern. */
export interface HandlerExtras {
  /**
   * Run in a database transaction with an inbox row (the message is handled once per service) and
   * its publishes going to the outbox; the delivery is acked after the commit. Needs a database
   * (`MessagingModule` with `database`).
   */
  transactional?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any method; the checks above narrow it
type AnyMethod = (...args: any[]) => unknown;

/** The payload class of a pattern, as the contract registry knows it. */
export type PayloadClassOf = (pattern: string) => (new () => object) | undefined;

/**
 * Makes the run-time type of the handler's first parameter the contract's payload class, whatever
 * the TypeScript annotation compiles to: validation pipes read it (`design:paramtypes`), and a
 * type such as `PayloadOf<…>` or an interface would otherwise emit `Object` and skip validation.
 */
function validateAsContract(
  target: object,
  key: string | symbol,
  payloadClass: (new () => object) | undefined,
): void {
  if (!payloadClass) {
    return;
  }
  const declared = (Reflect.getMetadata('design:paramtypes', target, key) as unknown[]) ?? [];
  Reflect.defineMetadata('design:paramtypes', [payloadClass, ...declared.slice(1)], target, key);
}

/**
 * `@OnEvent(pattern)` and `@OnRequest(pattern)`: Nest's `@EventPattern` / `@MessagePattern`, typed
 * by a contract map, so a handler whose first parameter (the `@Payload()`) is not exactly the
 * pattern's payload class, or a request handler that returns something other than its reply, does
 * not compile; at run time the payload is validated against the contract's class. Bind them to the
 * registry once (`handlerDecorators<Events, Requests>(payloadClassOf)`).
 */
export function handlerDecorators<TEvents extends object, TRequests extends RequestMap>(
  payloadClassOf: PayloadClassOf,
) {
  function OnEvent<P extends keyof TEvents & string>(pattern: P, extras: HandlerExtras = {}) {
    return <M extends AnyMethod>(
      target: object,
      key: string | symbol,
      descriptor: TypedPropertyDescriptor<M> & PayloadCheck<M, TEvents[P]>,
    ): void => {
      validateAsContract(target, key, payloadClassOf(pattern));
      EventPattern(pattern, extras as Record<string, unknown>)(
        target,
        key,
        descriptor as PropertyDescriptor,
      );
    };
  }

  function OnRequest<P extends keyof TRequests & string>(pattern: P) {
    return <M extends AnyMethod>(
      target: object,
      key: string | symbol,
      descriptor: TypedPropertyDescriptor<M> &
        PayloadCheck<M, TRequests[P]['request']> &
        ReplyCheck<M, TRequests[P]['reply']>,
    ): void => {
      validateAsContract(target, key, payloadClassOf(pattern));
      MessagePattern(pattern)(target, key, descriptor as PropertyDescriptor);
    };
  }

  return { OnEvent, OnRequest };
}
