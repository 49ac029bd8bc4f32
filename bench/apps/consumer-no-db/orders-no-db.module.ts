import { Module } from '@nestjs/common';
import { OrdersController } from '../../../apps/consumer/src/orders/orders.controller';
import { OrdersRepository } from '../../../apps/consumer/src/orders/orders.repository';
import { OrdersService } from '../../../apps/consumer/src/orders/orders.service';
import { PricingService } from '../../../apps/consumer/src/pricing/pricing.service';
import { MemoryOrdersRepository } from './memory-orders.repository';

/**
 * The consumer's OrdersModule (the same controller, service and pricing, so the same handler code
 * path) with its repository kept in memory instead of the database.
 */
@Module({
  controllers: [OrdersController],
  providers: [
    OrdersService,
    PricingService,
    { provide: OrdersRepository, useClass: MemoryOrdersRepository },
  ],
})
export class OrdersNoDbModule {}
