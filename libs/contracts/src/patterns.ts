import { OrderCancelledEvent } from './orders/order-cancelled.event';
import { OrderPlacedEvent } from './orders/order-placed.event';
import { OrderProcessedEvent } from './orders/order-processed.event';
import { OrderQuoteReply, OrderQuoteRequest } from './orders/order-quote.request';

/**
 * Event routing keys.
 * WIRE CONTRACT: these strings are routing keys and queue bindings on the broker. Never rename one;
 * publish a new version (`.v2`) beside it and retire the old one once no consumer binds to it.
 */
export const EventPatterns = {
  OrderPlaced: 'order.placed.v1',
  OrderCancelled: 'order.cancelled.v1',
  OrderProcessed: 'order.processed.v1',
} as const;

/**
 * Request/response routing keys.
 * WIRE CONTRACT: same rules as {@link EventPatterns}.
 */
export const RequestPatterns = {
  OrderQuote: 'order.quote.v1',
} as const;

/** Ties each event pattern to its payload so that publishing the wrong payload fails to compile. */
export type OrderEvents = {
  [EventPatterns.OrderPlaced]: OrderPlacedEvent;
  [EventPatterns.OrderCancelled]: OrderCancelledEvent;
  [EventPatterns.OrderProcessed]: OrderProcessedEvent;
};

/** Ties each request pattern to its request and reply types. */
export type OrderRequests = {
  [RequestPatterns.OrderQuote]: { request: OrderQuoteRequest; reply: OrderQuoteReply };
};

/** The payload class of every pattern, for run-time validation and generated documentation. */
export const CONTRACT_CLASSES = {
  [EventPatterns.OrderPlaced]: OrderPlacedEvent,
  [EventPatterns.OrderCancelled]: OrderCancelledEvent,
  [EventPatterns.OrderProcessed]: OrderProcessedEvent,
  [RequestPatterns.OrderQuote]: OrderQuoteRequest,
} as const;
