import { readFileSync } from 'node:fs';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { loadEnv, ToList, ToNumber } from '@app/config';
import { InMemoryProcessedMessageStore } from './processed-message-store';
import type { QueueType } from './queue-topology';
import type { RabbitClientOptions } from './rabbitmq.client';
import type { OutboxRelaySettings } from './outbox/outbox-relay';
import type { RabbitServerOptions } from './rabbitmq.server';

/** An exchange or queue name: what the broker accepts and what stays readable in its UI. */
function IsBrokerName(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    Matches(/^[\w.:-]{1,200}$/, {
      message: 'must be 1-200 letters, digits, dots, dashes or colons',
    })(target, property);
  };
}

/** The broker settings both services read from the environment, with safe defaults. */
export class MessagingEnv {
  @ToList()
  @IsString({ each: true })
  @Matches(/^amqps?:\/\/\S+$/, {
    each: true,
    message: 'must be one or more comma-separated amqp:// or amqps:// URLs',
  })
  RABBITMQ_URL: string[] = ['amqp://guest:guest@localhost:5672'];

  @IsBrokerName()
  RABBITMQ_EXCHANGE = 'events';

  @IsOptional()
  @IsBrokerName()
  RABBITMQ_QUEUE?: string;

  @IsIn(['quorum', 'classic'])
  RABBITMQ_QUEUE_TYPE: QueueType = 'quorum';

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(1_000)
  RABBITMQ_DELIVERY_LIMIT = 10;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(10_000)
  RABBITMQ_PREFETCH = 50;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(600)
  RABBITMQ_HEARTBEAT_SECONDS = 10;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(600)
  RABBITMQ_RECONNECT_SECONDS = 1;

  @IsOptional()
  @IsNotEmpty()
  RABBITMQ_CA_FILE?: string;

  @IsOptional()
  @IsNotEmpty()
  RABBITMQ_CERT_FILE?: string;

  @IsOptional()
  @IsNotEmpty()
  RABBITMQ_KEY_FILE?: string;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(120_000)
  PUBLISH_TIMEOUT_MS = 2_000;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 5_000;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(100)
  RETRY_MAX_ATTEMPTS = 5;

  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  RETRY_INITIAL_DELAY_MS = 1_500;

  @ToNumber()
  @Min(1)
  @Max(10)
  RETRY_MULTIPLIER = 3;

  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  DEDUPE_MAX_ENTRIES = 100_000;

  @ToNumber()
  @IsInt()
  @Min(1)
  DEDUPE_TTL_MS = 3_600_000;

  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Outbox rows the relay claims and publishes per transaction. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(10_000)
  OUTBOX_BATCH_SIZE = 100;

  /** The relay's safety-net poll; a commit wakes it at once. */
  @ToNumber()
  @IsInt()
  @Min(10)
  @Max(600_000)
  OUTBOX_POLL_INTERVAL_MS = 1_000;

  /** How long sent outbox rows are kept before retention deletes them. */
  @ToNumber()
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_MS = 3_600_000;

  /**
   * How long the inbox remembers a handled messageId: the de-duplication window (7 days). A copy
   * older than this is handled again, so keep it well above how late a message can come back.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  INBOX_RETENTION_MS = 604_800_000;

  /** How often retention runs. */
  @ToNumber()
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  RETENTION_INTERVAL_MS = 60_000;
}

/** The validated messaging settings of one service, ready to build its client and server from. */
export class MessagingConfig {
  constructor(
    readonly serviceName: string,
    readonly env: MessagingEnv,
  ) {}

  /** Reads and validates the environment; throws InvalidEnvironmentError naming any bad variable. */
  static fromEnv(serviceName: string, env: Record<string, string | undefined>): MessagingConfig {
    return new MessagingConfig(serviceName, loadEnv(MessagingEnv, env));
  }

  get queue(): string {
    return this.env.RABBITMQ_QUEUE ?? this.serviceName;
  }

  clientOptions(): RabbitClientOptions {
    return {
      ...this.connectionOptions(),
      exchange: this.env.RABBITMQ_EXCHANGE,
      serviceName: this.serviceName,
      publishTimeoutMs: this.env.PUBLISH_TIMEOUT_MS,
      requestTimeoutMs: this.env.REQUEST_TIMEOUT_MS,
      maxWaiters: 10_000,
    };
  }

  serverOptions(): RabbitServerOptions {
    const env = this.env;
    return {
      ...this.connectionOptions(),
      exchange: env.RABBITMQ_EXCHANGE,
      queue: this.queue,
      queueType: env.RABBITMQ_QUEUE_TYPE,
      deliveryLimit: env.RABBITMQ_DELIVERY_LIMIT,
      prefetch: env.RABBITMQ_PREFETCH,
      retry: {
        maxAttempts: env.RETRY_MAX_ATTEMPTS,
        initialDelayMs: env.RETRY_INITIAL_DELAY_MS,
        multiplier: env.RETRY_MULTIPLIER,
      },
      drainTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      publishTimeoutMs: env.PUBLISH_TIMEOUT_MS,
      processedStore: new InMemoryProcessedMessageStore(env.DEDUPE_MAX_ENTRIES, env.DEDUPE_TTL_MS),
    };
  }

  relaySettings(): OutboxRelaySettings {
    const env = this.env;
    return {
      batchSize: env.OUTBOX_BATCH_SIZE,
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      outboxRetentionMs: env.OUTBOX_RETENTION_MS,
      inboxRetentionMs: env.INBOX_RETENTION_MS,
      retentionIntervalMs: env.RETENTION_INTERVAL_MS,
    };
  }

  private connectionOptions() {
    const { RABBITMQ_CA_FILE: ca, RABBITMQ_CERT_FILE: cert, RABBITMQ_KEY_FILE: key } = this.env;
    return {
      urls: this.env.RABBITMQ_URL,
      connectionName: this.serviceName,
      heartbeatSeconds: this.env.RABBITMQ_HEARTBEAT_SECONDS,
      reconnectSeconds: this.env.RABBITMQ_RECONNECT_SECONDS,
      socketOptions: {
        ...(ca ? { ca: [readFileSync(ca)] } : {}),
        ...(cert ? { cert: readFileSync(cert) } : {}),
        ...(key ? { key: readFileSync(key) } : {}),
      },
    };
  }
}
