import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns, type OrderPlacedEvent } from '@app/contracts';
import type { ConsumeListener, RabbitServer } from '@app/messaging';
import {
  deleteTopology,
  dropServiceDatabase,
  isolatedBrokerEnv,
  queryServiceDatabase,
  serviceDatabaseEnv,
  waitFor,
  uniqueName,
  type EventProbe,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';
import { createProducerApp, ProducerConfig, startProducerApp } from '@apps/producer';

/** Both services running in-process against the test broker, on their own exchange and queues. */
export class TestSystem {
  readonly outcomes: Parameters<ConsumeListener>[0][] = [];
  producer?: NestFastifyApplication;
  consumer?: NestFastifyApplication;
  consumerServer?: RabbitServer;
  producerUrl = '';
  private readonly replicas: NestFastifyApplication[] = [];
  private databaseUrl?: string;
  consumerUrl = '';

  readonly producerQueue = uniqueName('producer');
  readonly consumerQueue = uniqueName('consumer');
  /** Each service's own database (a schema of the test PostgreSQL, or an embedded folder). */
  readonly producerDatabase = serviceDatabaseEnv('producer');
  readonly consumerDatabase = serviceDatabaseEnv('consumer');

  constructor(readonly env: Record<string, string>) {}

  /**
   * Starts the system. `databaseUrl` reaches both services' databases another way (e.g. through a
   * proxy that takes PostgreSQL away); their schemas stay the same.
   */
  static async start(
    overrides: Record<string, string> = {},
    {
      consumer = true,
      producer = true,
      databaseUrl,
    }: { consumer?: boolean; producer?: boolean; databaseUrl?: string } = {},
  ): Promise<TestSystem> {
    // Load tests send thousands of requests from one address: no rate limit unless a test sets one.
    const system = new TestSystem({
      ...isolatedBrokerEnv('e2e'),
      RATE_LIMIT_MAX: '0',
      ...overrides,
    });
    system.databaseUrl = databaseUrl;
    if (consumer) {
      await system.startConsumer();
    }
    if (producer) {
      await system.startProducer();
    }
    return system;
  }

  /** Stops both services (and their replicas) and starts them again, on the same queues and data. */
  async restart(): Promise<void> {
    for (const replica of this.replicas.splice(0)) {
      await replica.close();
    }
    await this.stopProducer();
    await this.stopConsumer();
    await this.startConsumer();
    await this.startProducer();
  }

  async stopProducer(): Promise<void> {
    await this.producer?.close();
    this.producer = undefined;
  }

  get exchange(): string {
    return this.env.RABBITMQ_EXCHANGE;
  }

  async startConsumer(): Promise<void> {
    this.consumer = await createConsumerApp(this.consumerConfig());
    this.consumerServer = await startConsumerApp(this.consumer, 0);
    const { port } = this.consumer.getHttpServer().address() as AddressInfo;
    this.consumerUrl = `http://127.0.0.1:${port}`;
    this.consumerServer.onConsume((event) => this.outcomes.push(event));
  }

  async stopConsumer(): Promise<void> {
    await this.consumer?.close();
    this.consumer = undefined;
    this.consumerServer = undefined;
  }

  async startProducer(): Promise<void> {
    this.producer = await createProducerApp(this.producerConfig());
    await startProducerApp(this.producer, 0);
    const { port } = this.producer.getHttpServer().address() as AddressInfo;
    this.producerUrl = `http://127.0.0.1:${port}`;
  }

  /** Starts another producer replica on the same exchange and queue; returns its base URL. */
  async addProducerReplica(): Promise<{ url: string; app: NestFastifyApplication }> {
    const app = await createProducerApp(this.producerConfig());
    await startProducerApp(app, 0);
    this.replicas.push(app);
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, app };
  }

  /** Starts another consumer replica on the same queue and database; returns its app. */
  async addConsumerReplica(): Promise<NestFastifyApplication> {
    const app = await createConsumerApp(this.consumerConfig());
    const server = await startConsumerApp(app, 0);
    server.onConsume((event) => this.outcomes.push(event));
    this.replicas.push(app);
    return app;
  }

  private producerConfig(): ProducerConfig {
    return ProducerConfig.fromEnv({
      ...this.env,
      ...this.producerDatabase,
      ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}),
      RABBITMQ_QUEUE: this.producerQueue,
    });
  }

  private consumerConfig(): ConsumerConfig {
    return ConsumerConfig.fromEnv({
      ...this.env,
      ...this.consumerDatabase,
      ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}),
      RABBITMQ_QUEUE: this.consumerQueue,
    });
  }

  /**
   * Places a valid order and waits until the probe saw its order.placed. A producer publishes on
   * one channel, in order, so once this marker arrived, whatever an earlier request to the same
   * producer published has arrived too: the way to check that something was *not* published.
   */
  async placeMarkerOrder(probe: EventProbe, baseUrl = this.producerUrl): Promise<void> {
    const { body } = await this.post('/orders', anOrder(), {}, baseUrl);
    await probe.waitForMessage<OrderPlacedEvent>(
      EventPatterns.OrderPlaced,
      (e) => e.orderId === body.orderId,
    );
  }

  /**
   * Waits until the producer's outbox has nothing left to publish: after this, whatever the
   * producers committed is on the broker (a marker order placed next arrives after all of it).
   */
  async waitForOutboxDrained(): Promise<void> {
    await waitFor(
      async () =>
        (
          await queryServiceDatabase<{ pending: number }>(
            this.producerDatabase,
            'select count(*)::int as pending from messaging_outbox where sent_at is null',
          )
        )[0].pending === 0,
      { description: "the producers' outbox to be drained" },
    );
  }

  /** POSTs JSON to the producer and returns the status, headers and parsed body. */
  async post(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    baseUrl = this.producerUrl,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.producerUrl}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async close(): Promise<void> {
    for (const replica of this.replicas) {
      await replica.close();
    }
    await this.producer?.close();
    await this.consumer?.close();
    await deleteTopology(this.env, [this.producerQueue, this.consumerQueue]);
    await dropServiceDatabase(this.producerDatabase);
    await dropServiceDatabase(this.consumerDatabase);
  }
}

/** A valid `POST /orders` body. */
export function anOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'customer-1',
    items: [
      { sku: 'BOOK-1', quantity: 2, unitPrice: 1_250 },
      { sku: 'PEN-7', quantity: 1, unitPrice: 300 },
    ],
    currency: 'EUR',
    ...overrides,
  };
}
