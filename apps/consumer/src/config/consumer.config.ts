import { IntersectionType } from '@nestjs/mapped-types';
import { loadEnv } from '@app/config';
import { MessagingConfig, MessagingEnv } from '@app/messaging';
import { DatabaseEnv, databaseSettings, type DatabaseSettings } from '@app/persistence';
import { LoggingEnv } from '@app/platform';
import { DeadLettersEnv } from '../dead-letters/dead-letters.env';
import { ConsumerEnv } from './consumer.env';

/**
 * Every variable the consumer reads: its own, the dead-letter admin's, the database's, the
 * broker's and the logger's.
 */
export class ConsumerSettings extends IntersectionType(
  IntersectionType(IntersectionType(ConsumerEnv, DeadLettersEnv), DatabaseEnv),
  IntersectionType(MessagingEnv, LoggingEnv),
) {}

/**
 * The consumer's configuration, validated once at start-up (a bad variable fails with its name) and
 * provided to every module under this class. Tests build one from a plain object.
 */
export class ConsumerConfig {
  static readonly serviceName = 'consumer';
  readonly messaging: MessagingConfig;
  readonly database: DatabaseSettings;

  private constructor(readonly env: ConsumerSettings) {
    this.messaging = new MessagingConfig(ConsumerConfig.serviceName, env);
    this.database = databaseSettings(env, ConsumerConfig.serviceName);
  }

  /** Reads and validates the environment; throws InvalidEnvironmentError naming any bad variable. */
  static fromEnv(env: Record<string, string | undefined> = process.env): ConsumerConfig {
    return new ConsumerConfig(loadEnv(ConsumerSettings, env));
  }
}
