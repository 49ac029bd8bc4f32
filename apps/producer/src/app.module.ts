import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AppConfigModule } from '@app/config';
import { patternsHandledBy } from '@app/contracts';
import { MessagingModule, MessagingReadiness } from '@app/messaging';
import { Database, DatabaseModule, DatabaseReadiness } from '@app/persistence';
import { producerMigrations } from './database/producer.migrations';
import {
  CorrelationIdInterceptor,
  HealthModule,
  MetricsModule,
  MetricsRegistry,
} from '@app/platform/http';
import { ProducerConfig } from './config/producer.config';
import { OrdersModule } from './orders/orders.module';
import { QuotesModule } from './quotes/quotes.module';
import { SecurityModule } from './security/security.module';

/** The producer: an HTTP API that turns requests into confirmed RabbitMQ messages. */
@Module({})
export class AppModule {
  static forRoot(config: ProducerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule.forRootAsync({
          inject: [ProducerConfig],
          useFactory: (producer: ProducerConfig) => ({
            settings: producer.database,
            migrations: producerMigrations,
          }),
        }),
        MessagingModule.forRootAsync({
          inject: [ProducerConfig, MetricsRegistry, Database],
          useFactory: (
            producer: ProducerConfig,
            registry: MetricsRegistry,
            database: Database,
          ) => ({
            config: producer.messaging,
            consume: true,
            handles: patternsHandledBy(ProducerConfig.serviceName),
            metricsRegistry: registry,
            database,
          }),
        }),
        HealthModule.forRoot({ indicators: [MessagingReadiness, DatabaseReadiness] }),
        SecurityModule,
        OrdersModule,
        QuotesModule,
      ],
      // Errors are answered by the ProblemDetailsFilter (see useProblemDetails in producer.app.ts).
      providers: [{ provide: APP_INTERCEPTOR, useClass: CorrelationIdInterceptor }],
    };
  }
}
