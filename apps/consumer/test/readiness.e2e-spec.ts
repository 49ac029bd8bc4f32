import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns } from '@app/contracts';
import type { ConsumeListener } from '@app/messaging';
import {
  anOrderPlacedEvent,
  deleteTopology,
  dropServiceDatabase,
  isolatedBrokerEnv,
  publishRaw,
  serviceDatabaseEnv,
  TcpProxy,
  uniqueName,
  waitFor,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';

interface Readiness {
  status: string;
  details: Record<string, { status: string; reason?: string }>;
}

/**
 * 0018: readiness reports this service's own state (its publisher channel, its consumers), which a
 * Terminus ping of the broker cannot: here the broker is reachable and the consumer is paused for
 * its database (0015), and /health/ready must say so, with the reason, until it consumes again.
 */
describe('Consumer readiness over HTTP', () => {
  const broker = isolatedBrokerEnv('readiness');
  const env = {
    ...broker,
    RABBITMQ_QUEUE: uniqueName('consumer'),
    DATABASE_TIMEOUT_MS: '1000',
  };
  const database = serviceDatabaseEnv('consumer');
  const outcomes: Parameters<ConsumeListener>[0][] = [];
  let proxy: TcpProxy;
  let app: NestFastifyApplication;
  let url = '';

  const readiness = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`${url}/health/ready`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };

  beforeAll(async () => {
    // A proxy in front of PostgreSQL, so the test can take the database away from this app alone.
    const target = new URL(
      process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    );
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    target.hostname = '127.0.0.1';
    target.port = String(await proxy.listen());
    app = await createConsumerApp(
      ConsumerConfig.fromEnv({ ...env, ...database, DATABASE_URL: target.toString() }),
    );
    const server = await startConsumerApp(app, 0);
    server.onConsume((event) => outcomes.push(event));
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
    await dropServiceDatabase(database);
  });

  it('answers 503 naming the database while the consumer is paused for it, the broker up, and 200 once it consumes again', async () => {
    expect(await readiness()).toMatchObject({
      status: 200,
      body: { details: { broker: { status: 'up' }, consumer: { status: 'up' } } },
    });

    proxy.down();
    const order = anOrderPlacedEvent();
    await publishRaw(
      broker.RABBITMQ_EXCHANGE,
      EventPatterns.OrderPlaced,
      JSON.stringify({ pattern: EventPatterns.OrderPlaced, data: order }),
      { messageId: order.orderId, contentType: 'application/json' },
    );
    const paused = await waitFor(
      async () => {
        const answer = await readiness();
        return answer.body.details.consumer?.status === 'down' ? answer : undefined;
      },
      { description: 'the consumer to report its pause' },
    );
    expect(paused.status).toBe(503);
    expect(paused.body.details.broker).toEqual({ status: 'up' });
    expect(paused.body.details.consumer.reason).toMatch(/the database/);

    proxy.up();
    await waitFor(async () => (await readiness()).status === 200, {
      timeoutMs: 30_000,
      description: 'readiness to recover',
    });
    await waitFor(() => outcomes.some((o) => o.messageId === order.orderId), {
      timeoutMs: 30_000,
      description: 'the held order to be handled',
    });
    // Held while the database was away, not retried: no attempt was spent on the outage.
    expect(outcomes.filter((o) => o.messageId === order.orderId).map((o) => o.outcome)).toEqual([
      'acked',
    ]);
  }, 90_000);
});
