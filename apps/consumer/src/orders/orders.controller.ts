import { Controller } from '@nestjs/common';
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
} from '@app/contracts';
import { PricingService } from '../pricing/pricing.service';
import { OrdersService } from './orders.service';

/** Message handlers for orders; payloads are validated against their contract class before they run. */
@Controller()
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly pricing: PricingService,
  ) {}

  @OnEvent(EventPatterns.OrderPlaced, { transactional: true })
  async onOrderPlaced(@Payload() order: OrderPlacedEvent): Promise<void> {
    await this.orders.process(order);
  }

  @OnEvent(EventPatterns.OrderCancelled, { transactional: true })
  async onOrderCancelled(@Payload() event: OrderCancelledEvent): Promise<void> {
    await this.orders.cancel(event);
  }

  @OnRequest(RequestPatterns.OrderQuote)
  quote(@Payload() request: OrderQuoteRequest): OrderQuoteReply {
    return this.pricing.quote(request.items, request.currency, request.couponCode);
  }
}
