import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  EventPatterns,
  OnEvent,
  OrderCancellationProcessedEvent,
  OrderProcessedEvent,
} from '@app/contracts';
import { OrdersRepository } from './orders.repository';

/**
 * Keeps the producer's orders up to date from the consumer's outcomes, each in a transaction with
 * the producer's inbox (so a redelivered outcome is applied once), on whichever replica takes it.
 */
@Controller()
export class OrderOutcomesController {
  constructor(private readonly orders: OrdersRepository) {}

  @OnEvent(EventPatterns.OrderProcessed, { transactional: true })
  async onOrderProcessed(@Payload() event: OrderProcessedEvent): Promise<void> {
    await this.orders.applyProcessed(event);
  }

  @OnEvent(EventPatterns.OrderCancellationProcessed, { transactional: true })
  async onCancellationProcessed(@Payload() event: OrderCancellationProcessedEvent): Promise<void> {
    await this.orders.applyCancellation(event);
  }
}
