import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { DatabaseSettings } from './database';
import type { Migrations } from './migrations';

/** Options of {@link DatabaseModule}; `forRootAsync` takes them from the app's configuration. */
export interface DatabaseModuleOptions {
  settings: DatabaseSettings;
  /** Every migration of the service's schema (the messaging tables' included), applied at start. */
  migrations: Migrations;
}

export const {
  ConfigurableModuleClass: DatabaseModuleClass,
  MODULE_OPTIONS_TOKEN: DATABASE_OPTIONS,
} = new ConfigurableModuleBuilder<DatabaseModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
