import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { patternsHandledBy } from '@app/contracts';
import { MessagingModule, MessagingReadiness } from '@app/messaging';
import { HealthModule, MetricsModule, MetricsRegistry } from '@app/platform/http';
import { ConsumerConfig } from './config/consumer.config';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { OrdersModule } from './orders/orders.module';

/** The consumer: order handlers over RabbitMQ plus an HTTP port for health, metrics and admin. */
@Module({})
export class AppModule {
  static forRoot(config: ConsumerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule,
        MessagingModule.forRootAsync({
          inject: [ConsumerConfig, MetricsRegistry],
          useFactory: (consumer: ConsumerConfig, registry: MetricsRegistry) => ({
            config: consumer.messaging,
            consume: true,
            handles: patternsHandledBy(ConsumerConfig.serviceName),
            metricsRegistry: registry,
          }),
        }),
        HealthModule.forRoot({ indicators: [MessagingReadiness] }),
        OrdersModule,
        DeadLettersModule,
      ],
    };
  }
}
