import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventPatterns, OrderProcessedEvent } from '@app/contracts';
import { OrderStatusStore } from './order-status.store';

/** Subscribes to the consumer's outcomes, so clients can poll `GET /orders/:orderId`. */
@Controller()
export class OrderOutcomesController {
  constructor(private readonly statuses: OrderStatusStore) {}

  @EventPattern(EventPatterns.OrderProcessed)
  onOrderProcessed(@Payload() event: OrderProcessedEvent): void {
    this.statuses.record(event);
  }
}
