import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EventPatterns, OnEvent, OrderProcessedEvent } from '@app/contracts';
import { OrderStatusStore } from './order-status.store';

/** Subscribes to the consumer's outcomes, so clients can poll `GET /orders/:orderId`. */
@Controller()
export class OrderOutcomesController {
  constructor(private readonly statuses: OrderStatusStore) {}

  @OnEvent(EventPatterns.OrderProcessed)
  onOrderProcessed(@Payload() event: OrderProcessedEvent): void {
    this.statuses.record(event);
  }
}
