import { IntersectionType } from '@nestjs/mapped-types';
import { loadEnv } from '@app/config';
import { MessagingConfig, MessagingEnv } from '@app/messaging';
import { DatabaseEnv, databaseSettings, type DatabaseSettings } from '@app/persistence';
import { LoggingEnv } from '@app/platform';
import { ProducerEnv } from './producer.env';

/** Every variable the producer reads: its own, the database's, the broker's and the logger's. */
export class ProducerSettings extends IntersectionType(
  IntersectionType(ProducerEnv, DatabaseEnv),
  IntersectionType(MessagingEnv, LoggingEnv),
) {}

/**
 * The producer's configuration, validated once at start-up (a bad variable fails with its name) and
 * provided to every module under this class. Tests build one from a plain object.
 */
export class ProducerConfig {
  static readonly serviceName = 'producer';
  readonly messaging: MessagingConfig;
  readonly database: DatabaseSettings;

  private constructor(readonly env: ProducerSettings) {
    this.messaging = new MessagingConfig(ProducerConfig.serviceName, env);
    this.database = databaseSettings(env, ProducerConfig.serviceName);
  }

  /** Reads and validates the environment; throws InvalidEnvironmentError naming any bad variable. */
  static fromEnv(env: Record<string, string | undefined> = process.env): ProducerConfig {
    return new ProducerConfig(loadEnv(ProducerSettings, env));
  }
}
