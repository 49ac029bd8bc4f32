import { Module } from '@nestjs/common';
import { PricingService } from '../pricing/pricing.service';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Order processing: placed and cancelled events, and quotes. */
@Module({
  controllers: [OrdersController],
  providers: [OrdersService, PricingService],
})
export class OrdersModule {}
