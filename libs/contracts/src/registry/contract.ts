import type { Type } from '@nestjs/common';

/** The services of this system, as contracts name their publishers and handlers. */
export type ServiceName = 'producer' | 'consumer';

/** A message one service publishes and others handle, fire and forget. */
export interface EventContract<TPattern extends string = string, TPayload extends object = object> {
  readonly kind: 'event';
  /** The routing key. WIRE CONTRACT: never renamed; a new version is a new contract (`.v2`). */
  readonly pattern: TPattern;
  /** The payload class; its class-validator decorators validate it and document it. */
  readonly payload: Type<TPayload>;
  readonly publishedBy: ServiceName;
  readonly handledBy: readonly ServiceName[];
  /** One line: what happened, and what the handlers do about it. */
  readonly description: string;
}

/** A request one service sends and another answers, over direct reply-to. */
export interface RequestContract<
  TPattern extends string = string,
  TPayload extends object = object,
  TReply extends object = object,
> {
  readonly kind: 'request';
  readonly pattern: TPattern;
  readonly payload: Type<TPayload>;
  /** The reply's class: documents the answer (replies are not validated at run time). */
  readonly reply: Type<TReply>;
  readonly publishedBy: ServiceName;
  readonly handledBy: readonly [ServiceName];
  readonly description: string;
}

export type Contract = EventContract | RequestContract;

/** Declares an event contract, keeping its pattern's literal type. */
export function event<const TPattern extends string, TPayload extends object>(
  contract: Omit<EventContract<TPattern, TPayload>, 'kind'>,
): EventContract<TPattern, TPayload> {
  return { kind: 'event', ...contract };
}

/** Declares a request contract, keeping its pattern's literal type. */
export function request<
  const TPattern extends string,
  TPayload extends object,
  TReply extends object,
>(
  contract: Omit<RequestContract<TPattern, TPayload, TReply>, 'kind'>,
): RequestContract<TPattern, TPayload, TReply> {
  return { kind: 'request', ...contract };
}

type Registry = Record<string, Contract>;

type KeysOfKind<R extends Registry, K extends Contract['kind']> = {
  [Name in keyof R]: R[Name]['kind'] extends K ? Name : never;
}[keyof R];

/** `{ Name: pattern }` of the registry's events (or requests). */
export type PatternsOf<R extends Registry, K extends Contract['kind']> = {
  readonly [Name in KeysOfKind<R, K>]: R[Name]['pattern'];
};

/** Every event pattern mapped to its payload type: what `MessageBus.publish` checks against. */
export type EventMapOf<R extends Registry> = {
  [Name in KeysOfKind<R, 'event'> as R[Name]['pattern']]: InstanceType<R[Name]['payload']>;
};

/** Every request pattern mapped to its request and reply types: what `MessageBus.request` checks. */
export type RequestMapOf<R extends Registry> = {
  [Name in KeysOfKind<R, 'request'> as R[Name]['pattern']]: R[Name] extends RequestContract<
    string,
    infer TPayload,
    infer TReply
  >
    ? { request: TPayload; reply: TReply }
    : never;
};

/** The `{ Name: pattern }` map of one kind of contract, read off the registry at run time. */
export function patternsOf<R extends Registry, K extends Contract['kind']>(
  registry: R,
  kind: K,
): PatternsOf<R, K> {
  return Object.fromEntries(
    Object.entries(registry)
      .filter(([, contract]) => contract.kind === kind)
      .map(([name, contract]) => [name, contract.pattern]),
  ) as PatternsOf<R, K>;
}
