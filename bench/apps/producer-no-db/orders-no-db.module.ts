import { Module } from '@nestjs/common';
import { Database } from '@app/persistence';
import { OrdersController } from '../../../apps/producer/src/orders/orders.controller';
import { OrdersRepository } from '../../../apps/producer/src/orders/orders.repository';
import { OrdersService } from '../../../apps/producer/src/orders/orders.service';
import { MemoryOrdersRepository } from './memory-orders.repository';
import { NoDatabase } from './no-database';

/**
 * The producer's OrdersModule (the same OrdersController and OrdersService, so the same request
 * code paths) with its repository in memory and, for OrdersService's transaction, a stand-in that
 * just runs the work; without OrderOutcomesController (no read model: the peers' fronts keep none)
 * and without the Idempotency-Key retention, which has no keys to delete.
 */
@Module({
  controllers: [OrdersController],
  providers: [
    OrdersService,
    { provide: Database, useClass: NoDatabase },
    { provide: OrdersRepository, useClass: MemoryOrdersRepository },
  ],
})
export class OrdersNoDbModule {}
