import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GetMessage } from 'amqplib';
import { queueNames, type ConsumeListener, type RabbitServer } from '@app/messaging';
import {
  connectBroker,
  deleteTopology,
  dropServiceDatabase,
  isolatedBrokerEnv,
  serviceDatabaseEnv,
  uniqueName,
  waitFor,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';

/** The admin token the interop tests start the consumer with. */
export const ADMIN_TOKEN = 'interop-e2e-admin-token';

/**
 * The consumer running in-process, as production builds it, on its own exchange and queues, for
 * tests that talk to it with clients we did not write.
 */
export class ConsumerUnderTest {
  readonly outcomes: Parameters<ConsumeListener>[0][] = [];
  readonly env: Record<string, string>;
  readonly database = serviceDatabaseEnv('consumer');
  url = '';
  private app?: NestFastifyApplication;
  server?: RabbitServer;

  private constructor(label: string, overrides: Record<string, string>) {
    this.env = {
      ...isolatedBrokerEnv(label),
      RABBITMQ_QUEUE: uniqueName('consumer'),
      ADMIN_TOKEN,
      ...overrides,
    };
  }

  static async start(
    label: string,
    overrides: Record<string, string> = {},
  ): Promise<ConsumerUnderTest> {
    const consumer = new ConsumerUnderTest(label, overrides);
    consumer.app = await createConsumerApp(
      ConsumerConfig.fromEnv({ ...consumer.env, ...consumer.database }),
    );
    consumer.server = await startConsumerApp(consumer.app, 0);
    consumer.server.onConsume((event) => consumer.outcomes.push(event));
    const { port } = consumer.app.getHttpServer().address() as AddressInfo;
    consumer.url = `http://127.0.0.1:${port}`;
    return consumer;
  }

  get exchange(): string {
    return this.env.RABBITMQ_EXCHANGE;
  }

  get queue(): string {
    return this.env.RABBITMQ_QUEUE;
  }

  get names(): ReturnType<typeof queueNames> {
    return queueNames(this.queue);
  }

  /** Waits for a delivery outcome the consumer reported, and returns it. */
  async waitForOutcome(
    predicate: (event: Parameters<ConsumeListener>[0]) => boolean,
    description: string,
    timeoutMs = 10_000,
  ): Promise<Parameters<ConsumeListener>[0]> {
    return waitFor(() => this.outcomes.find(predicate), { timeoutMs, description });
  }

  /** Calls the dead-letter admin API with the bearer token. */
  async admin<T = Record<string, unknown>>(
    method: string,
    path: string,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}/admin/dead-letters${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async close(): Promise<void> {
    await this.app?.close();
    await deleteTopology(this.env, [this.queue]);
    await dropServiceDatabase(this.database);
  }
}

/**
 * Takes messages from a queue until one matches, and returns it; the others are kept in `seen` so
 * a test that polls again does not lose them.
 */
export async function waitForMessageIn(
  queue: string,
  predicate: (message: GetMessage) => boolean,
  description: string,
  seen: GetMessage[] = [],
  timeoutMs = 15_000,
): Promise<GetMessage> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createChannel();
    return await waitFor(
      async () => {
        let message = await channel.get(queue, { noAck: true });
        while (message) {
          seen.push(message);
          message = await channel.get(queue, { noAck: true });
        }
        return seen.find(predicate);
      },
      { timeoutMs, intervalMs: 50, description },
    );
  } finally {
    await connection.close();
  }
}

/** A header of a message as a string, for assertions on dead letters. */
export function headerOf(message: GetMessage, name: string): string | undefined {
  const value: unknown = message.properties.headers?.[name];
  if (Buffer.isBuffer(value)) {
    return value.toString('utf8');
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
