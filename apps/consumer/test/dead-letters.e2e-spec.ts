import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPatterns, type OrderProcessedEvent } from '@app/contracts';
import { MessageHeaders, queueNames, type ConsumeListener } from '@app/messaging';
import {
  deleteTopology,
  EventProbe,
  isolatedBrokerEnv,
  publishRaw,
  queueDepth,
  uniqueName,
  waitFor,
  waitForQueueDepth,
  anOrderPlacedEvent,
  dropServiceDatabase,
  serviceDatabaseEnv,
  takeTableAway,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';

const TOKEN = 'dead-letters-e2e-admin-token';
const TEST_TIMEOUT_MS = 30_000;

interface Summary {
  messageId: string | null;
  pattern: string | null;
  routingKey: string | null;
  error: { name: string | null; message: string | null; code: string | null };
  attempts: number | null;
  firstFailureAt: string | null;
  lastFailureAt: string | null;
  replayedAt: string | null;
  bodyPreview: string;
}

interface Page {
  queue: string;
  total: number;
  offset: number;
  limit: number;
  items: Summary[];
}

const anOrder = (orderId: string) =>
  anOrderPlacedEvent({ orderId, customerId: 'dead-letter-test' });

// A classic queue puts requeued messages back in place; a quorum queue appends them at its back,
// so the two are read differently and both must keep every message, in order.
describe.each(['quorum', 'classic'])('Consumer dead-letter admin endpoints (%s queues)', (type) => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('dlq'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
    RABBITMQ_QUEUE_TYPE: type,
  };
  const database = serviceDatabaseEnv('consumer');
  const dlq = queueNames(env.RABBITMQ_QUEUE).deadLetter;
  const outcomes: Parameters<ConsumeListener>[0][] = [];
  let app: NestFastifyApplication | undefined;
  let baseUrl = '';
  let probe: EventProbe | undefined;

  // Two valid orders that fail while the consumer's orders table is away (a transient failure:
  // retried, then dead-lettered), and two with an invalid payload.
  const failingA = randomUUID();
  const failingB = randomUUID();
  let restoreOrdersTable: (() => Promise<void>) | undefined;
  const invalidDropped = 'invalid-dropped';
  const invalidReplayed = 'invalid-replayed';

  async function admin<T = Record<string, unknown>>(
    method: string,
    path: string,
    token: string | null = TOKEN,
  ): Promise<{ status: number; headers: Headers; body: T }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : {}) as T,
    };
  }

  const publishOrder = (messageId: string, data: unknown) =>
    publishRaw(
      env.RABBITMQ_EXCHANGE,
      EventPatterns.OrderPlaced,
      JSON.stringify({ pattern: EventPatterns.OrderPlaced, data }),
      { messageId },
    );

  const outcomesOf = (messageId: string, outcome: string) =>
    outcomes.filter((o) => o.messageId === messageId && o.outcome === outcome).length;

  beforeAll(async () => {
    app = await createConsumerApp(
      ConsumerConfig.fromEnv({ ...env, ...database, ADMIN_TOKEN: TOKEN }),
    );
    const server = await startConsumerApp(app, 0);
    server.onConsume((event) => outcomes.push(event));
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
    await dropServiceDatabase(database);
  });

  it(
    'dead-letters failing messages',
    async () => {
      restoreOrdersTable = await takeTableAway(database, 'orders');
      await publishOrder(invalidDropped, { ...anOrder('not-a-uuid') });
      await publishOrder(failingA, anOrder(failingA));
      await publishOrder(failingB, anOrder(failingB));

      await waitForQueueDepth(dlq, 3, 20_000);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "reads them more often than RabbitMQ 4's default delivery limit (20) and keeps every one",
    async () => {
      // Each read puts the messages back, which RabbitMQ 4.0-4.2 counts as a delivery: only the
      // dead-letter queue's explicit "no limit" keeps the broker from dropping them (on 3.x, which
      // has no default limit, this passes either way; the Docker run tests it on 4.x).
      const before = await admin<Page>('GET', '/admin/dead-letters?limit=50');
      for (let read = 0; read < 21; read += 1) {
        expect((await admin<Page>('GET', '/admin/dead-letters?limit=50')).status).toBe(200);
      }

      const after = await admin<Page>('GET', '/admin/dead-letters?limit=50');
      expect(after.body.total).toBe(3);
      expect(after.body.items.map((item) => item.messageId).sort()).toEqual(
        before.body.items.map((item) => item.messageId).sort(),
      );
      await waitForQueueDepth(dlq, 3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'answers 401 without the admin token, or with a wrong one',
    async () => {
      const missing = await admin('GET', '/admin/dead-letters', null);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
      expect((await admin('GET', '/admin/dead-letters', 'x'.repeat(TOKEN.length))).status).toBe(
        401,
      );
      expect((await admin('POST', '/admin/dead-letters/replay', 'wrong-token')).status).toBe(401);
      expect(
        (await admin('DELETE', '/admin/dead-letters?confirm=purge', TOKEN.slice(1))).status,
      ).toBe(401);
      await waitForQueueDepth(dlq, 3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lists the dead letters with their reason, pages through them in a stable order, and loses none',
    async () => {
      const all = await admin<Page>('GET', '/admin/dead-letters');
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ queue: dlq, total: 3, offset: 0, limit: 50 });
      const byId = new Map(all.body.items.map((item) => [item.messageId, item]));
      expect([...byId.keys()].sort()).toEqual([invalidDropped, failingA, failingB].sort());

      expect(byId.get(invalidDropped)).toMatchObject({
        pattern: EventPatterns.OrderPlaced,
        routingKey: EventPatterns.OrderPlaced,
        error: {
          name: 'PayloadValidationError',
          message: expect.stringMatching(/orderId/) as unknown,
          code: 'VALIDATION_FAILED',
        },
        attempts: 1,
      });
      const failing = byId.get(failingA)!;
      expect(failing).toMatchObject({
        pattern: EventPatterns.OrderPlaced,
        // PostgreSQL's undefined_table, named by its SQLSTATE.
        error: { name: 'DatabaseError', code: '42P01' },
        deathReason: null,
        attempts: 3,
        replayedAt: null,
      });
      expect(failing.error.message).toContain('orders');
      expect(Date.parse(failing.lastFailureAt!)).toBeGreaterThan(
        Date.parse(failing.firstFailureAt!),
      );
      expect(failing.bodyPreview).toContain(failingA);

      const order = all.body.items.map((item) => item.messageId);
      const first = await admin<Page>('GET', '/admin/dead-letters?limit=2');
      const second = await admin<Page>('GET', '/admin/dead-letters?limit=2&offset=2');
      expect(first.body.items.map((item) => item.messageId)).toEqual(order.slice(0, 2));
      expect(second.body.items.map((item) => item.messageId)).toEqual(order.slice(2));
      const again = await admin<Page>('GET', '/admin/dead-letters');
      expect(again.body.items.map((item) => item.messageId)).toEqual(order);

      // Reading took the messages and returned them: all still there, none held by anyone.
      await waitForQueueDepth(dlq, 3);
      expect((await queueDepth(dlq)).consumers).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'rejects bad paging parameters',
    async () => {
      for (const query of ['limit=0', 'limit=501', 'limit=ten', 'offset=-1', 'colour=blue']) {
        expect([query, (await admin('GET', `/admin/dead-letters?${query}`)).status]).toEqual([
          query,
          400,
        ]);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows one dead letter in full, and 404s an unknown one',
    async () => {
      const shown = await admin('GET', `/admin/dead-letters/${invalidDropped}`);
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({
        messageId: invalidDropped,
        bodyEncoding: 'json',
        body: { pattern: EventPatterns.OrderPlaced, data: { orderId: 'not-a-uuid' } },
        headers: {
          [MessageHeaders.ErrorName]: 'PayloadValidationError',
          [MessageHeaders.Attempt]: 1,
          [MessageHeaders.OriginalQueue]: env.RABBITMQ_QUEUE,
          [MessageHeaders.OriginalExchange]: env.RABBITMQ_EXCHANGE,
        },
      });

      expect((await admin('GET', '/admin/dead-letters/no-such-message')).status).toBe(404);
      await waitForQueueDepth(dlq, 3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'drops one dead letter',
    async () => {
      const dropped = await admin('DELETE', `/admin/dead-letters/${invalidDropped}`);
      expect(dropped).toMatchObject({ status: 200, body: { dropped: 1 } });

      await waitForQueueDepth(dlq, 2);
      expect((await admin('GET', `/admin/dead-letters/${invalidDropped}`)).status).toBe(404);
      expect((await admin('DELETE', `/admin/dead-letters/${invalidDropped}`)).status).toBe(404);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replays one dead letter once its cause is fixed, and the consumer processes it normally',
    async () => {
      // The fix: the table is back.
      await restoreOrdersTable!();
      probe = await EventProbe.create(env.RABBITMQ_EXCHANGE, [EventPatterns.OrderProcessed]);

      const replayed = await admin('POST', `/admin/dead-letters/${failingA}/replay`);
      expect(replayed).toMatchObject({ status: 200, body: { replayed: 1, failed: 0 } });

      const processed = await probe.waitForMessage<OrderProcessedEvent>(
        EventPatterns.OrderProcessed,
        (event) => event.orderId === failingA,
      );
      expect(processed.data).toMatchObject({ orderId: failingA, outcome: 'accepted' });
      await waitFor(() => outcomesOf(failingA, 'acked') === 1, {
        description: 'the replayed order to be acked',
      });
      await waitForQueueDepth(dlq, 1);
      expect((await admin('POST', `/admin/dead-letters/${failingA}/replay`)).status).toBe(404);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replays a message that still fails: it comes back with a fresh attempt count and x-replayed-at',
    async () => {
      await publishOrder(invalidReplayed, { ...anOrder('also-not-a-uuid') });
      await waitFor(() => outcomesOf(invalidReplayed, 'dead-lettered') === 1, {
        description: 'the invalid order to be dead-lettered',
      });
      const before = Date.now();

      const replayed = await admin('POST', `/admin/dead-letters/${invalidReplayed}/replay`);
      expect(replayed).toMatchObject({ status: 200, body: { replayed: 1, failed: 0 } });
      await waitFor(() => outcomesOf(invalidReplayed, 'dead-lettered') === 2, {
        description: 'the replayed invalid order to be dead-lettered again',
      });

      const shown = await admin<Summary & { headers: Record<string, unknown> }>(
        'GET',
        `/admin/dead-letters/${invalidReplayed}`,
      );
      expect(shown.status).toBe(200);
      expect(shown.body.attempts).toBe(1);
      expect(Date.parse(shown.body.replayedAt!)).toBeGreaterThanOrEqual(before - 1_000);
      expect(shown.body.headers[MessageHeaders.ReplayedAt]).toBe(shown.body.replayedAt);
      // The first failure is kept across the replay; the last one is the new one.
      expect(Date.parse(shown.body.firstFailureAt!)).toBeLessThan(before);
      expect(Date.parse(shown.body.lastFailureAt!)).toBeGreaterThanOrEqual(before - 1_000);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replays every dead letter',
    async () => {
      await waitForQueueDepth(dlq, 2);

      const replayed = await admin('POST', '/admin/dead-letters/replay');
      expect(replayed).toMatchObject({ status: 200, body: { replayed: 2, failed: 0 } });

      await probe!.waitForMessage<OrderProcessedEvent>(
        EventPatterns.OrderProcessed,
        (event) => event.orderId === failingB,
      );
      // The still-invalid one is dead-lettered again, and only once: the bulk replay is bounded
      // by what was in the queue when it started.
      await waitFor(() => outcomesOf(invalidReplayed, 'dead-lettered') === 3, {
        description: 'the still-invalid order to be dead-lettered a third time',
      });
      await waitForQueueDepth(dlq, 1);
      expect(outcomesOf(invalidReplayed, 'dead-lettered')).toBe(3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'purges the dead-letter queue only with ?confirm=purge',
    async () => {
      await publishOrder('invalid-purged', { orderId: 42 });
      await waitForQueueDepth(dlq, 2);

      for (const query of ['', '?confirm=yes', '?confirm=', '?confirm=purge&confirm=purge']) {
        const refused = await admin<{ detail: string }>('DELETE', `/admin/dead-letters${query}`);
        expect([query, refused.status]).toEqual([query, 400]);
        expect(refused.body.detail).toMatch(/\bconfirm\b.*"purge"/);
      }
      await waitForQueueDepth(dlq, 2);

      const purged = await admin('DELETE', '/admin/dead-letters?confirm=purge');
      expect(purged).toMatchObject({ status: 200, body: { purged: 2 } });

      expect((await queueDepth(dlq)).messages).toBe(0);
      const empty = await admin<Page>('GET', '/admin/dead-letters');
      expect(empty.body).toMatchObject({ total: 0, items: [] });
      expect((await admin('POST', '/admin/dead-letters/replay')).body).toEqual({
        replayed: 0,
        failed: 0,
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'is disabled, answering 404 like an unknown route, while ADMIN_TOKEN is not set',
    async () => {
      let disabled: NestFastifyApplication | undefined;
      try {
        disabled = await createConsumerApp(
          ConsumerConfig.fromEnv({
            ...env,
            ...serviceDatabaseEnv('consumer'),
            RABBITMQ_QUEUE: uniqueName('consumer-no-admin'),
            ADMIN_TOKEN: '',
          }),
        );
        await disabled.listen(0, '127.0.0.1');
        const { port } = disabled.getHttpServer().address() as AddressInfo;
        const request = async (path: string) => {
          const response = await fetch(`http://127.0.0.1:${port}${path}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          return { status: response.status, body: (await response.json()) as object };
        };
        const admin = await request('/admin/dead-letters');
        const unknown = await request('/admin/no-such-route');

        expect(admin.status).toBe(404);
        expect(unknown.status).toBe(404);
        // The same problem, but for the path and the request id.
        expect(admin.body).toEqual({
          ...unknown.body,
          detail: 'Cannot GET /admin/dead-letters',
          instance: '/admin/dead-letters',
          requestId: expect.any(String) as unknown,
        });
        // Nor do the docs reveal the admin API.
        const docs = (await (await fetch(`http://127.0.0.1:${port}/docs-json`)).json()) as {
          paths: Record<string, unknown>;
        };
        expect(Object.keys(docs.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
      } finally {
        await disabled?.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
