import { Module } from '@nestjs/common';
import { IdempotencyKeyRetention } from './idempotency-key.retention';
import { OrderOutcomesController } from './order-outcomes.controller';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/** Placing, cancelling and following orders over HTTP, and the consumer's outcomes. */
@Module({
  controllers: [OrdersController, OrderOutcomesController],
  providers: [OrdersService, OrdersRepository, IdempotencyKeyRetention],
})
export class OrdersModule {}
