import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MessageBus } from './message-bus';
import { MESSAGING_CLIENT, MESSAGING_CONFIG } from './messaging.constants';
import { MessagingConfig } from './messaging.config';
import { MessagingMetrics } from './messaging.metrics';
import { MetricsController } from './metrics.controller';
import { RabbitClient } from './rabbitmq.client';
import { RabbitServer } from './rabbitmq.server';

/** Options of {@link MessagingModule.forRoot}. */
export interface MessagingModuleOptions {
  /** Names the connection, the `appId` of published messages and, by default, the queue. */
  serviceName: string;
  /** Also provide a RabbitServer, for services that consume. */
  consume?: boolean;
}

/**
 * Provides the RabbitMQ client, the typed MessageBus and, for consumers, the transport server; and
 * serves `/health/live`, `/health/ready` and `/metrics`.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const providers: Provider[] = [
      {
        provide: MESSAGING_CONFIG,
        useFactory: () => MessagingConfig.fromEnv(options.serviceName),
      },
      { provide: MessagingMetrics, useFactory: () => new MessagingMetrics() },
      {
        provide: MESSAGING_CLIENT,
        inject: [MESSAGING_CONFIG, MessagingMetrics],
        useFactory: async (config: MessagingConfig, metrics: MessagingMetrics) => {
          const client = new RabbitClient({ ...config.clientOptions(), metrics });
          // Connect in the background now, so readiness reflects the broker before the first publish.
          await client.connect();
          return client;
        },
      },
      { provide: RabbitClient, useExisting: MESSAGING_CLIENT },
      MessageBus,
    ];
    if (options.consume) {
      providers.push({
        provide: RabbitServer,
        inject: [MESSAGING_CONFIG, MessagingMetrics],
        useFactory: (config: MessagingConfig, metrics: MessagingMetrics) =>
          new RabbitServer({ ...config.serverOptions(), metrics }),
      });
    }
    return {
      module: MessagingModule,
      global: true,
      imports: [TerminusModule],
      controllers: [HealthController, MetricsController],
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
