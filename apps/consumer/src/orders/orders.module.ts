import { Module } from '@nestjs/common';
import { PricingService } from '../pricing/pricing.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/** Order processing: placed and cancelled events, and quotes. */
@Module({
  controllers: [OrdersController],
  providers: [OrdersService, OrdersRepository, PricingService],
})
export class OrdersModule {}
