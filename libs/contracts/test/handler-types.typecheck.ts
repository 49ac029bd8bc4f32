/**
 * Compile-time tests of the typed handler decorators: `npm run typecheck` fails if a line marked
 * `@ts-expect-error` compiles, i.e. if a handler with the wrong payload or reply type were accepted.
 */
import { Payload } from '@nestjs/microservices';
import {
  EventPatterns,
  OnEvent,
  OnRequest,
  OrderCancelledEvent,
  OrderPlacedEvent,
  OrderQuoteRequest,
  RequestPatterns,
  type OrderQuoteReply,
  type PayloadOf,
} from '@app/contracts';

export class RightHandlers {
  @OnEvent(EventPatterns.OrderPlaced)
  placed(@Payload() order: OrderPlacedEvent): void {
    void order;
  }

  @OnEvent(EventPatterns.OrderCancelled)
  cancelled(@Payload() event: PayloadOf<typeof EventPatterns.OrderCancelled>): Promise<void> {
    return Promise.resolve(void event);
  }

  @OnRequest(RequestPatterns.OrderQuote)
  quote(@Payload() request: OrderQuoteRequest): Promise<OrderQuoteReply> {
    return Promise.reject(new Error(request.currency));
  }
}

export class WrongHandlers {
  // @ts-expect-error -- the payload of order.placed.v1 is OrderPlacedEvent, not OrderCancelledEvent
  @OnEvent(EventPatterns.OrderPlaced)
  placed(@Payload() order: OrderCancelledEvent): void {
    void order;
  }

  // @ts-expect-error -- a wider type than the contract's is refused too
  @OnEvent(EventPatterns.OrderCancelled)
  cancelled(@Payload() event: object): void {
    void event;
  }

  // @ts-expect-error -- a quote handler must return an OrderQuoteReply
  @OnRequest(RequestPatterns.OrderQuote)
  quote(@Payload() request: OrderQuoteRequest): string {
    return request.currency;
  }

  // @ts-expect-error -- not a pattern of the registry
  @OnEvent('order.never-registered.v1')
  unregistered(@Payload() order: OrderPlacedEvent): void {
    void order;
  }
}
