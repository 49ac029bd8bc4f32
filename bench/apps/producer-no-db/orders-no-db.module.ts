import { Module } from '@nestjs/common';
import { Database } from '@app/persistence';
import { OrderOutcomesController } from '../../../apps/producer/src/orders/order-outcomes.controller';
import { OrdersController } from '../../../apps/producer/src/orders/orders.controller';
import { OrdersRepository } from '../../../apps/producer/src/orders/orders.repository';
import { OrdersService } from '../../../apps/producer/src/orders/orders.service';
import { MemoryOrdersRepository } from './memory-orders.repository';
import { NoDatabase } from './no-database';

/**
 * The producer's OrdersModule (the same controllers and service, so the same request and outcome
 * code paths) with its repository in memory and, for OrdersService's transaction, a stand-in that
 * just runs the work; without the Idempotency-Key retention, which has no keys to delete.
 */
@Module({
  controllers: [OrdersController, OrderOutcomesController],
  providers: [
    OrdersService,
    { provide: Database, useClass: NoDatabase },
    { provide: OrdersRepository, useClass: MemoryOrdersRepository },
  ],
})
export class OrdersNoDbModule {}
