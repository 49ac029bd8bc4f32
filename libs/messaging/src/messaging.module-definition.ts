import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Database } from '@app/persistence';
import type { Registry } from 'prom-client';
import type { MessagingConfig } from './messaging.config';

/** Options of {@link MessagingModule}; `forRootAsync` takes them from the app's configuration. */
export interface MessagingModuleOptions {
  /** The validated broker settings (and the service name, which names connections and queues). */
  config: MessagingConfig;
  /** Whether the service consumes; a non-consuming service gets a publisher only. */
  consume: boolean;
  /**
   * The patterns the service must handle, from the contract registry. Start-up fails when a handler
   * is missing, or when the service handles a pattern not in this list.
   */
  handles?: readonly string[];
  /** Where the messaging metrics are registered (the app's `/metrics` registry). */
  metricsRegistry?: Registry;
  /**
   * The service's database: enables the transactional outbox (publishes inside a transaction), its
   * relay, and the inbox of transactional handlers. Its migrations must include
   * `messagingMigrations`.
   */
  database?: Database;
}

export const {
  ConfigurableModuleClass: MessagingModuleClass,
  MODULE_OPTIONS_TOKEN: MESSAGING_OPTIONS,
  OPTIONS_TYPE: MESSAGING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MESSAGING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MessagingModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
