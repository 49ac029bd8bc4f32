import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { patternsHandledBy } from '@app/contracts';
import { MessagingModule, MessagingReadiness } from '@app/messaging';
import { Database, DatabaseModule, DatabaseReadiness } from '@app/persistence';
import { consumerMigrations } from './database/consumer.migrations';
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
        DatabaseModule.forRootAsync({
          inject: [ConsumerConfig],
          useFactory: (consumer: ConsumerConfig) => ({
            settings: consumer.database,
            migrations: consumerMigrations,
          }),
        }),
        MessagingModule.forRootAsync({
          inject: [ConsumerConfig, MetricsRegistry, Database],
          useFactory: (
            consumer: ConsumerConfig,
            registry: MetricsRegistry,
            database: Database,
          ) => ({
            config: consumer.messaging,
            consume: true,
            handles: patternsHandledBy(ConsumerConfig.serviceName),
            metricsRegistry: registry,
            database,
          }),
        }),
        HealthModule.forRoot({ indicators: [MessagingReadiness, DatabaseReadiness] }),
        OrdersModule,
        DeadLettersModule,
      ],
    };
  }
}
