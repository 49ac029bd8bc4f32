import { Module } from '@nestjs/common';
import { IdempotencyStore } from './idempotency.store';
import { OrderOutcomesController } from './order-outcomes.controller';
import { OrderStatusStore } from './order-status.store';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Placing, cancelling and following orders over HTTP. */
@Module({
  controllers: [OrdersController, OrderOutcomesController],
  providers: [OrdersService, IdempotencyStore, OrderStatusStore],
})
export class OrdersModule {}
