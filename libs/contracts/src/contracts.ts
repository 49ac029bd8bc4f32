import { handlerDecorators } from '@app/messaging';
import { OrderCancellationProcessedEvent } from './orders/order-cancellation-processed.event';
import { OrderCancelledEvent } from './orders/order-cancelled.event';
import { OrderPlacedEvent } from './orders/order-placed.event';
import { OrderProcessedEvent } from './orders/order-processed.event';
import { OrderQuoteReply, OrderQuoteRequest } from './orders/order-quote.request';
import {
  event,
  patternsOf,
  request,
  type Contract,
  type EventMapOf,
  type RequestMapOf,
  type ServiceName,
} from './registry/contract';

/**
 * Every message of the system, in one place: its pattern (the routing key), kind, payload (and
 * reply) class, who publishes it, who handles it, and what it means. Everything else is derived
 * from here: the pattern constants, the types `MessageBus` and handlers are checked against, the
 * AsyncAPI document, the contract table in the docs, and the start-up check that each service
 * handles exactly its contracts. Payloads are validated against the handler's `@Payload()` class
 * (its run-time type), so type that parameter with the payload class itself: `PayloadOf<…>`
 * compiles too but leaves the run-time type `Object`, and the payload unvalidated.
 *
 * WIRE CONTRACT: a pattern is a routing key and a queue binding on the broker. Never rename one;
 * add a new version (`.v2`) beside it and retire the old one once no consumer binds to it.
 */
export const Contracts = {
  OrderPlaced: event({
    pattern: 'order.placed.v1',
    payload: OrderPlacedEvent,
    publishedBy: 'producer',
    handledBy: ['consumer'],
    description:
      'An order was accepted over HTTP (POST /orders); the consumer prices and processes it.',
  }),
  OrderCancelled: event({
    pattern: 'order.cancelled.v1',
    payload: OrderCancelledEvent,
    publishedBy: 'producer',
    handledBy: ['consumer'],
    description:
      'A customer cancelled an order (POST /orders/{orderId}/cancel); the consumer ends it cancelled, whether it arrives before or after the order.',
  }),
  OrderProcessed: event({
    pattern: 'order.processed.v1',
    payload: OrderProcessedEvent,
    publishedBy: 'consumer',
    handledBy: ['producer'],
    description:
      'The outcome of a placed order (accepted or rejected, with the total); the producer keeps it for GET /orders/{orderId}.',
  }),
  OrderCancellationProcessed: event({
    pattern: 'order.cancellation-processed.v1',
    payload: OrderCancellationProcessedEvent,
    publishedBy: 'consumer',
    handledBy: ['producer'],
    description:
      'The outcome of a cancellation (cancelled, or refused for a rejected order); the producer keeps it for GET /orders/{orderId}.',
  }),
  OrderQuote: request({
    pattern: 'order.quote.v1',
    payload: OrderQuoteRequest,
    reply: OrderQuoteReply,
    publishedBy: 'producer',
    handledBy: ['consumer'],
    description: 'Prices a basket (POST /quotes); answered over direct reply-to.',
  }),
} as const satisfies Record<string, Contract>;

/** Event routing keys by name, e.g. `EventPatterns.OrderPlaced`. */
export const EventPatterns = patternsOf(Contracts, 'event');

/** Request routing keys by name, e.g. `RequestPatterns.OrderQuote`. */
export const RequestPatterns = patternsOf(Contracts, 'request');

/** Every event pattern with its payload type. */
export type OrderEvents = EventMapOf<typeof Contracts>;

/** Every request pattern with its request and reply types. */
export type OrderRequests = RequestMapOf<typeof Contracts>;

/** An event pattern of the registry. */
export type EventPattern = keyof OrderEvents;
/** A request pattern of the registry. */
export type RequestPattern = keyof OrderRequests;

/** The payload type of a pattern: `PayloadOf<typeof EventPatterns.OrderPlaced>` is OrderPlacedEvent. */
export type PayloadOf<P extends EventPattern | RequestPattern> = P extends EventPattern
  ? OrderEvents[P]
  : P extends RequestPattern
    ? OrderRequests[P]['request']
    : never;

/** The reply type of a request pattern. */
export type ReplyOf<P extends RequestPattern> = OrderRequests[P]['reply'];

const byPattern = new Map<string, Contract>(
  Object.values(Contracts).map((contract) => [contract.pattern, contract]),
);

/** The contract of a pattern, if the registry names it. */
export function contractFor(pattern: string): Contract | undefined {
  return byPattern.get(pattern);
}

/** Every contract, in registry order. */
export function allContracts(): Contract[] {
  return [...byPattern.values()];
}

/** The patterns `service` must handle: the start-up check compares them with its handlers. */
export function patternsHandledBy(service: ServiceName): string[] {
  return allContracts()
    .filter((contract) => contract.handledBy.includes(service))
    .map((contract) => contract.pattern);
}

/**
 * Handler decorators checked against the registry: `@OnEvent(EventPatterns.OrderPlaced)` on a
 * method whose `@Payload()` is not an OrderPlacedEvent does not compile, and the payload is
 * validated against the registry's class at run time (the validation lookup).
 */
export const { OnEvent, OnRequest } = handlerDecorators<OrderEvents, OrderRequests>(
  (pattern) => contractFor(pattern)?.payload,
);
