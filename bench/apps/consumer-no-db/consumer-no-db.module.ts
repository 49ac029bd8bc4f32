import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { patternsHandledBy } from '@app/contracts';
import { MessagingModule, MessagingReadiness } from '@app/messaging';
import { HealthModule, MetricsModule, MetricsRegistry } from '@app/platform/http';
import { ConsumerConfig } from '../../../apps/consumer/src/config/consumer.config';
import { OrdersNoDbModule } from './orders-no-db.module';

/**
 * The consumer's AppModule without DatabaseModule (and without the dead-letter admin, which no
 * message goes through): MessagingModule gets no database, so MessageBus has no outbox, handlers
 * marked transactional run without a transaction, de-duplication is the in-memory store, and each
 * follow-up is published (confirmed) before the ack, as before issue #13.
 */
@Module({})
export class ConsumerNoDbModule {
  static forRoot(config: ConsumerConfig): DynamicModule {
    return {
      module: ConsumerNoDbModule,
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
        OrdersNoDbModule,
      ],
    };
  }
}
