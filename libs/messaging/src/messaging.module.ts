import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { MessageBus } from './message-bus';
import { MESSAGING_CLIENT } from './messaging.constants';
import { MessagingConfig } from './messaging.config';
import { MessagingMetrics } from './messaging.metrics';
import {
  MESSAGING_OPTIONS,
  MessagingModuleClass,
  type MessagingModuleOptions,
} from './messaging.module-definition';
import { MessagingReadiness } from './messaging.readiness';
import { Inbox } from './outbox/inbox';
import { Outbox } from './outbox/outbox';
import { OutboxRelay } from './outbox/outbox-relay';
import { RabbitClient } from './rabbitmq.client';
import { RabbitServer } from './rabbitmq.server';

/** Starts the outbox relay with the app; the database stops it before it closes. */
@Injectable()
class OutboxRelayStarter implements OnApplicationBootstrap {
  constructor(private readonly relay: OutboxRelay) {}

  async onApplicationBootstrap(): Promise<void> {
    // Null without a database (Nest injects the factory's null).
    await (this.relay as OutboxRelay | null)?.start();
  }
}

/**
 * The RabbitMQ layer of a service: the client (a Nest `ClientProxy`), the typed `MessageBus`, the
 * transport server for its handlers, its metrics and its readiness indicator. No HTTP routes: the
 * app mounts health and metrics from `@app/platform/http` and lists `MessagingReadiness` there.
 * Global by default; configure it with `forRootAsync({ inject: [AppConfig], useFactory })`.
 */
@Module({
  providers: [
    {
      provide: MessagingConfig,
      inject: [MESSAGING_OPTIONS],
      useFactory: (options: MessagingModuleOptions) => options.config,
    },
    {
      provide: MessagingMetrics,
      inject: [MESSAGING_OPTIONS],
      useFactory: (options: MessagingModuleOptions) =>
        new MessagingMetrics(options.metricsRegistry),
    },
    {
      provide: MESSAGING_CLIENT,
      inject: [MESSAGING_OPTIONS, MessagingMetrics],
      useFactory: (options: MessagingModuleOptions, metrics: MessagingMetrics) => {
        const client = new RabbitClient({ ...options.config.clientOptions(), metrics });
        // Connects in the background; publishes wait (bounded) for the connection.
        void client.connect();
        return client;
      },
    },
    { provide: RabbitClient, useExisting: MESSAGING_CLIENT },
    {
      provide: Outbox,
      inject: [MESSAGING_OPTIONS],
      useFactory: ({ database }: MessagingModuleOptions) =>
        database ? new Outbox(database) : null,
    },
    {
      provide: OutboxRelay,
      inject: [MESSAGING_OPTIONS, Outbox, RabbitClient, MessagingMetrics],
      useFactory: (
        { database, config }: MessagingModuleOptions,
        outbox: Outbox | null,
        client: RabbitClient,
        metrics: MessagingMetrics,
      ) => {
        if (!database || !outbox) {
          return null;
        }
        const relay = new OutboxRelay(database, outbox, client, config.relaySettings(), metrics);
        // Whichever closes first (the client or the database) stops the relay, after its final
        // flush: the flush needs both.
        client.beforeClose(() => relay.stop());
        database.beforeClose(() => relay.stop());
        return relay;
      },
    },
    OutboxRelayStarter,
    {
      provide: RabbitServer,
      inject: [MESSAGING_OPTIONS, MessagingMetrics],
      useFactory: (options: MessagingModuleOptions, metrics: MessagingMetrics) =>
        new RabbitServer({
          ...options.config.serverOptions(),
          metrics,
          expectedPatterns: options.handles,
          ...(options.database
            ? {
                transactions: {
                  groupCommit: options.database.groupCommit,
                  inbox: new Inbox(options.database),
                },
              }
            : {}),
        }),
    },
    MessageBus,
    MessagingReadiness,
  ],
  exports: [
    Outbox,
    OutboxRelay,
    MessagingConfig,
    MessagingMetrics,
    MESSAGING_CLIENT,
    RabbitClient,
    RabbitServer,
    MessageBus,
    MessagingReadiness,
  ],
})
export class MessagingModule extends MessagingModuleClass {}
