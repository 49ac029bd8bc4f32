import { readFileSync } from 'node:fs';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  IsReadableFile,
  IsServiceUrl,
  loadEnv,
  SetTogetherWith,
  TlsWhenSet,
  ToList,
  ToNumber,
} from '@app/config';
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
  /**
   * The broker: an `amqp://` or `amqps://` URL, or a comma-separated list of a cluster's nodes. The
   * service connects to the first reachable one and moves to another when its node goes away; the
   * URL is logged without its password. With any of the TLS files below, every URL must be
   * `amqps://`.
   */
  @ToList()
  @IsServiceUrl({ protocols: ['amqp:', 'amqps:'] })
  @TlsWhenSet('amqps:', ['RABBITMQ_CA_FILE', 'RABBITMQ_CERT_FILE', 'RABBITMQ_KEY_FILE'])
  RABBITMQ_URL: string[] = ['amqp://guest:guest@localhost:5672'];

  /**
   * The durable topic exchange every message is published to; the routing key is the message's
   * pattern.
   */
  @IsBrokerName()
  RABBITMQ_EXCHANGE = 'events';

  /**
   * Base name of the service's queues: the work queue, `<name>.requests`, `<name>.retry.<delay>ms`
   * and `<name>.dlq`; replicas of a service share them. `npm start` gives both apps the same
   * environment, so set it per app (`npm run start:producer`, `npm run start:consumer`).
   * @default the service's name: `producer` or `consumer`
   */
  @IsOptional()
  @IsBrokerName()
  RABBITMQ_QUEUE?: string;

  /**
   * `quorum` (replicated, with a delivery limit and at-least-once dead-lettering) or `classic` (one
   * node). A queue that already exists with other arguments stops the start-up with a message
   * naming the argument.
   */
  @IsIn(['quorum', 'classic'])
  RABBITMQ_QUEUE_TYPE: QueueType = 'quorum';

  /**
   * Quorum queues only: deliveries of one message (e.g. a process that dies on it every time) after
   * which the broker takes it off a queue the service consumes: the work queue dead-letters it to
   * `<queue>.dlq`, the request queue drops it. The dead-letter and retry queues have no limit.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(1_000)
  RABBITMQ_DELIVERY_LIMIT = 10;

  /**
   * Unacked deliveries per consumer: handlers run concurrently up to this many, which bounds
   * concurrency and memory.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(10_000)
  RABBITMQ_PREFETCH = 50;

  /** AMQP heartbeat interval: how a connection that died silently is noticed. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(600)
  RABBITMQ_HEARTBEAT_SECONDS = 10;

  /** Wait between attempts to reconnect after the connection is lost. */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(600)
  RABBITMQ_RECONNECT_SECONDS = 1;

  /**
   * PEM file of the CA that signed the broker's certificate, for `amqps://` URLs; read at start-up,
   * so a wrong path stops the service there.
   */
  @IsOptional()
  @IsReadableFile()
  RABBITMQ_CA_FILE?: string;

  /** PEM client certificate, for a broker that asks for one; only with RABBITMQ_KEY_FILE. */
  @IsOptional()
  @IsReadableFile()
  @SetTogetherWith('RABBITMQ_KEY_FILE')
  RABBITMQ_CERT_FILE?: string;

  /** PEM private key of RABBITMQ_CERT_FILE; only with it. */
  @IsOptional()
  @IsReadableFile()
  @SetTogetherWith('RABBITMQ_CERT_FILE')
  RABBITMQ_KEY_FILE?: string;

  /**
   * How long a publish waits for a connection and the broker's confirm before it fails (the
   * producer answers 503 + Retry-After). Also bounds moving a failed message to its delay or
   * dead-letter queue, and the wait for outstanding confirms at shutdown.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(120_000)
  PUBLISH_TIMEOUT_MS = 2_000;

  /**
   * How long a request (`POST /quotes`) waits for its reply (then 504); the request expires in its
   * queue after the same time, so nobody works on an abandoned one.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 5_000;

  /**
   * Deliveries of an event whose handler keeps failing, the first included, before it is
   * dead-lettered; 1 dead-letters at the first failure.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(100)
  RETRY_MAX_ATTEMPTS = 5;

  /**
   * Delay before the first retry; each further one waits RETRY_MULTIPLIER times longer, in a delay
   * queue of its own.
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  RETRY_INITIAL_DELAY_MS = 1_500;

  /**
   * Growth of the retry delay from one attempt to the next (the defaults give 1.5 s, 4.5 s, 13.5 s
   * and 40.5 s).
   */
  @ToNumber()
  @Min(1)
  @Max(10)
  RETRY_MULTIPLIER = 3;

  /**
   * De-duplication of handlers that are not transactional (the apps' are: their inbox is in the
   * database): processed messageIds a process remembers in memory, the oldest forgotten first;
   * 0 remembers none.
   */
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  DEDUPE_MAX_ENTRIES = 100_000;

  /**
   * How long a non-transactional handler's processed messageId is remembered in memory; a duplicate
   * that arrives later is handled again (transactional handlers: INBOX_RETENTION_MS).
   */
  @ToNumber()
  @IsInt()
  @Min(1)
  DEDUPE_TTL_MS = 3_600_000;

  /**
   * On SIGTERM, how long the consumers wait for the handlers in flight before closing (messages
   * still unfinished are delivered again), and how long the producer's HTTP server waits for
   * responses still being sent before it cuts their connections.
   */
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
      // Two confirm windows: one batch published and confirmed, with room for its transaction.
      finalFlushMs: 2 * env.PUBLISH_TIMEOUT_MS,
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
