import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { MessagingModule, MessagingReadiness } from '@app/messaging';
import { DatabaseModule } from '@app/persistence';
import { HealthModule, MetricsRegistry } from '@app/platform/http';
import { AppModule } from '../../../apps/producer/src/app.module';
import { ProducerConfig } from '../../../apps/producer/src/config/producer.config';
import { OrdersModule } from '../../../apps/producer/src/orders/orders.module';
import { OrdersNoDbModule } from './orders-no-db.module';

type Imported = NonNullable<ModuleMetadata['imports']>[number];

/**
 * The producer's own AppModule as a front only, like the peers' fronts: every import and provider
 * of AppModule (so security, metrics, correlation IDs, quotes, and whatever the producer gains
 * later) except the database, what asks for it, and the read model. MessagingModule gets no
 * database, so MessageBus has no outbox and `OrdersService.place` publishes order.placed.v1 itself
 * (persistent, mandatory) and answers 202 once the broker confirmed it. It consumes nothing:
 * without OrderOutcomesController there is no queue of order outcomes for the broker to fill.
 */
@Module({})
export class ProducerNoDbModule {
  static forRoot(config: ProducerConfig): DynamicModule {
    const app = AppModule.forRoot(config);
    return {
      ...app,
      module: ProducerNoDbModule,
      imports: (app.imports ?? []).flatMap(withoutDatabase),
    };
  }
}

/** What one of AppModule's imports becomes without a database; the others stay as they are. */
function withoutDatabase(imported: Imported): Imported[] {
  switch ('module' in imported ? imported.module : imported) {
    case DatabaseModule:
      return [];
    case MessagingModule:
      return [
        MessagingModule.forRootAsync({
          inject: [ProducerConfig, MetricsRegistry],
          useFactory: (producer: ProducerConfig, registry: MetricsRegistry) => ({
            config: producer.messaging,
            consume: false,
            handles: [],
            metricsRegistry: registry,
          }),
        }),
      ];
    case HealthModule:
      return [HealthModule.forRoot({ indicators: [MessagingReadiness] })];
    case OrdersModule:
      return [OrdersNoDbModule];
    default:
      return [imported];
  }
}
