import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { MessageBus } from './message-bus';
import { MESSAGING_CLIENT, MESSAGING_CONFIG } from './messaging.constants';
import { MessagingConfig } from './messaging.config';
import { RabbitClient } from './rabbitmq.client';
import { RabbitServer } from './rabbitmq.server';

/** Options of {@link MessagingModule.forRoot}. */
export interface MessagingModuleOptions {
  /** Names the connection, the `appId` of published messages and, by default, the queue. */
  serviceName: string;
  /** Also provide a RabbitServer, for services that consume. */
  consume?: boolean;
}

/** Provides the RabbitMQ client, the typed MessageBus and, for consumers, the transport server. */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const providers: Provider[] = [
      {
        provide: MESSAGING_CONFIG,
        useFactory: () => MessagingConfig.fromEnv(options.serviceName),
      },
      {
        provide: MESSAGING_CLIENT,
        inject: [MESSAGING_CONFIG],
        useFactory: async (config: MessagingConfig) => {
          const client = new RabbitClient(config.clientOptions());
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
        inject: [MESSAGING_CONFIG],
        useFactory: (config: MessagingConfig) => new RabbitServer(config.serverOptions()),
      });
    }
    return {
      module: MessagingModule,
      global: true,
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
