import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns, type OrderPlacedEvent } from '@app/contracts';
import type { ConsumeListener, RabbitServer } from '@app/messaging';
import { deleteTopology, isolatedBrokerEnv, uniqueName, type EventProbe } from '@app/testing';
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
  consumerUrl = '';

  readonly producerQueue = uniqueName('producer');
  readonly consumerQueue = uniqueName('consumer');

  constructor(readonly env: Record<string, string>) {}

  static async start(
    overrides: Record<string, string> = {},
    { consumer = true }: { consumer?: boolean } = {},
  ): Promise<TestSystem> {
    // Load tests send thousands of requests from one address: no rate limit unless a test sets one.
    const system = new TestSystem({
      ...isolatedBrokerEnv('e2e'),
      RATE_LIMIT_MAX: '0',
      ...overrides,
    });
    if (consumer) {
      await system.startConsumer();
    }
    await system.startProducer();
    return system;
  }

  get exchange(): string {
    return this.env.RABBITMQ_EXCHANGE;
  }

  async startConsumer(): Promise<void> {
    this.consumer = await createConsumerApp(
      ConsumerConfig.fromEnv({ ...this.env, RABBITMQ_QUEUE: this.consumerQueue }),
    );
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

  private producerConfig(): ProducerConfig {
    return ProducerConfig.fromEnv({ ...this.env, RABBITMQ_QUEUE: this.producerQueue });
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
