import { Module } from '@nestjs/common';
import { ProducerConfig } from '../config/producer.config';
import { IdempotencyStore, InMemoryIdempotencyStore } from './idempotency.store';
import { RedisIdempotencyStore } from './redis-idempotency.store';
import { OrderOutcomesController } from './order-outcomes.controller';
import { OrderStatusStore } from './order-status.store';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Placing, cancelling and following orders over HTTP. */
@Module({
  controllers: [OrdersController, OrderOutcomesController],
  providers: [
    OrdersService,
    OrderStatusStore,
    {
      // With REDIS_URL, keys are shared by every producer replica; otherwise kept per process.
      provide: IdempotencyStore,
      inject: [ProducerConfig],
      useFactory: (config: ProducerConfig): IdempotencyStore =>
        config.env.REDIS_URL
          ? new RedisIdempotencyStore(
              config.env.REDIS_URL,
              config.env.IDEMPOTENCY_TTL_MS,
              config.env.PUBLISH_TIMEOUT_MS * 2,
            )
          : new InMemoryIdempotencyStore(config),
    },
  ],
})
export class OrdersModule {}
