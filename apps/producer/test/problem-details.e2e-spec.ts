import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { Client } from 'pg';
import { queueNames } from '@app/messaging';
import {
  connectBroker,
  fetchAnswer,
  problemViolations,
  TcpProxy,
  type ExpectedProblem,
  type HttpAnswer,
} from '@app/testing';
import { anOrder, TestSystem } from './support/system';

const API_KEY = 'problem-details-api-key';
const QUOTE = { items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 100 }], currency: 'USD' };

/** Checks an error answer against the one problem schema, its content type and X-Request-Id. */
function expectProblem(answer: HttpAnswer, expected: ExpectedProblem): void {
  expect({ expected, violations: problemViolations(answer, expected) }).toEqual({
    expected,
    violations: [],
  });
}

/**
 * One request per error status the producer answers, each checked against the one schema of RFC
 * 9457 problem details (PROBLEM_DETAILS_SCHEMA): the answers of Nest's filters, of the guards, of
 * Fastify (body parsing, media type, size, bad URLs), of the docs routes' hook and of the
 * throttler alike.
 */
describe('Producer error answers: RFC 9457 problem details', () => {
  let system: TestSystem;

  const send = (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
    baseUrl = system.producerUrl,
  ) =>
    fetchAnswer(`${baseUrl}${path}`, {
      method,
      headers: {
        'x-api-key': API_KEY,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body,
    });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    send('POST', path, typeof body === 'string' ? body : JSON.stringify(body), headers);

  beforeAll(async () => {
    system = await TestSystem.start({
      API_KEY,
      BODY_LIMIT_BYTES: '4096',
      REQUEST_TIMEOUT_MS: '1000',
      PUBLISH_TIMEOUT_MS: '300',
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  describe('400', () => {
    it('validation-failed, naming each wrong field', async () => {
      const answer = await post('/orders', anOrder({ currency: 'euro', admin: true }));

      expectProblem(answer, { status: 400, type: 'validation-failed', instance: '/orders' });
      expect(answer.body.errors).toEqual([
        { field: 'admin', errors: ['property admin should not exist'] },
        {
          field: 'currency',
          errors: expect.arrayContaining(['currency must be three upper-case letters']) as unknown,
        },
      ]);
      expect(answer.body).not.toHaveProperty('omittedErrors');
    });

    it('validation-failed with omittedErrors beyond 20 fields', async () => {
      const items = Array.from({ length: 30 }, () => ({ sku: '', quantity: 0, unitPrice: -1 }));

      const answer = await post('/orders', anOrder({ items }));

      expectProblem(answer, { status: 400, type: 'validation-failed' });
      expect(answer.body.errors).toHaveLength(20);
      expect(answer.body.omittedErrors).toBe(70);
    });

    it('validation-failed for a bad Idempotency-Key header', async () => {
      const answer = await post('/orders', anOrder(), { 'idempotency-key': 'a b' });

      expectProblem(answer, { status: 400, type: 'validation-failed' });
      expect(answer.body.errors).toEqual([
        { field: 'Idempotency-Key', errors: ['must be 1-255 visible ASCII characters'] },
      ]);
    });

    it('validation-failed relayed from the consumer (an unknown coupon)', async () => {
      const answer = await post('/quotes', { ...QUOTE, couponCode: 'BOGUS' });

      expectProblem(answer, { status: 400, type: 'validation-failed', instance: '/quotes' });
      expect(answer.body.errors).toEqual([
        { field: 'couponCode', errors: ['couponCode "BOGUS" is not a known coupon'] },
      ]);
    });

    it.each([
      ['unparsable JSON', '{"customerId":'],
      ['an empty JSON body', ''],
      ['JSON nested deeper than 32 levels', '['.repeat(40) + ']'.repeat(40)],
      ['a __proto__ key', `{"__proto__":{},${JSON.stringify(anOrder()).slice(1)}`],
    ])('invalid-json for %s', async (_, body) => {
      expectProblem(await post('/orders', body), { status: 400, type: 'invalid-json' });
    });

    it('about:blank for a malformed orderId', async () => {
      const answer = await send('GET', '/orders/not-a-uuid');

      expectProblem(answer, {
        status: 400,
        type: 'about:blank',
        instance: '/orders/not-a-uuid',
      });
      expect(answer.body.title).toBe('Bad Request');
    });

    it('about:blank for a URL Fastify cannot decode', async () => {
      expectProblem(await send('GET', '/orders/%'), {
        status: 400,
        type: 'about:blank',
        instance: '/orders/%25',
      });
    });
  });

  describe('401', () => {
    it("from the API-key guard, with the caller's request id", async () => {
      const answer = await post('/orders', anOrder(), {
        'x-api-key': 'not-the-api-key-at-all',
        'x-request-id': 'req-401',
      });

      expectProblem(answer, { status: 401, type: 'about:blank', instance: '/orders' });
      expect(answer.body).toMatchObject({ title: 'Unauthorized', requestId: 'req-401' });
    });

    it("from the docs routes' Fastify hook", async () => {
      const answer = await fetchAnswer(`${system.producerUrl}/asyncapi.json?x=1`);

      expectProblem(answer, { status: 401, type: 'about:blank', instance: '/asyncapi.json' });
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('404', () => {
    it('for an unknown route', async () => {
      const answer = await send('GET', '/no-such-route?q=1');

      expectProblem(answer, { status: 404, type: 'about:blank', instance: '/no-such-route' });
      expect(answer.body.detail).toBe('Cannot GET /no-such-route?q=1');
    });

    it('for an unknown order', async () => {
      const orderId = randomUUID();

      expectProblem(await send('GET', `/orders/${orderId}`), {
        status: 404,
        type: 'about:blank',
        instance: `/orders/${orderId}`,
      });
    });
  });

  it('409 idempotency-key-in-progress with Retry-After, while another request holds the key', async () => {
    const order = anOrder({ customerId: `customer-${randomUUID()}` });
    const first = await post('/orders', order, { 'idempotency-key': 'first' });
    expect(first.status).toBe(202);
    // Another replica's request with the same key, still in its transaction: the key row is locked.
    const database = system.producerDatabase;
    const holder = new Client({
      connectionString: database.DATABASE_URL,
      options: `-c search_path="${database.DATABASE_SCHEMA}"`,
    });
    await holder.connect();
    await holder.query('begin');
    await holder.query(
      `insert into idempotency_keys (customer_id, idempotency_key, fingerprint, order_id)
       values ($1, 'held', 'in-flight', $2)`,
      [order.customerId, randomUUID()],
    );
    try {
      const answer = await post('/orders', order, { 'idempotency-key': 'held' });

      expectProblem(answer, { status: 409, type: 'idempotency-key-in-progress' });
      expect(answer.headers.get('retry-after')).toBe('1');
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  it('413 for a body over BODY_LIMIT_BYTES', async () => {
    expectProblem(await post('/orders', anOrder({ customerId: 'x'.repeat(5_000) })), {
      status: 413,
      type: 'about:blank',
      instance: '/orders',
    });
  });

  it('415 for a body that is not JSON', async () => {
    expectProblem(await post('/orders', 'hello', { 'content-type': 'text/plain' }), {
      status: 415,
      type: 'about:blank',
    });
  });

  it('422 idempotency-key-reused for a key used with another body', async () => {
    const key = `reused-${randomUUID()}`;
    expect((await post('/orders', anOrder(), { 'idempotency-key': key })).status).toBe(202);

    const answer = await post('/orders', anOrder({ currency: 'USD' }), { 'idempotency-key': key });

    expectProblem(answer, { status: 422, type: 'idempotency-key-reused' });
  });

  describe('with the consumer stopped', () => {
    let broker: ChannelModel | undefined;

    beforeAll(async () => {
      await system.stopConsumer();
    });

    afterAll(async () => {
      await broker?.close();
    });

    it('504 upstream-timeout when no reply comes in time', async () => {
      const answer = await post('/quotes', QUOTE);

      expectProblem(answer, { status: 504, type: 'upstream-timeout', instance: '/quotes' });
    });

    it("502 upstream-failed when the consumer's handler fails", async () => {
      // Stands in for the consumer: answers every quote request with an error reply.
      broker = await connectBroker();
      const channel = await broker.createChannel();
      await channel.consume(
        queueNames(system.consumerQueue).requests,
        (message) => {
          if (!message) {
            return;
          }
          const { correlationId, messageId, replyTo } = message.properties as {
            correlationId?: string;
            messageId?: string;
            replyTo: string;
          };
          channel.sendToQueue(
            replyTo,
            Buffer.from(
              JSON.stringify({
                err: { name: 'PricingError', message: 'the price list is corrupt' },
                isDisposed: true,
              }),
            ),
            { correlationId: correlationId ?? messageId, contentType: 'application/json' },
          );
          channel.ack(message);
        },
        { noAck: false },
      );

      const answer = await post('/quotes', QUOTE);

      expectProblem(answer, { status: 502, type: 'upstream-failed' });
      expect(answer.body.detail).not.toContain('corrupt');
    });
  });

  describe('on producers of their own', () => {
    let alone: TestSystem | undefined;
    let database: TcpProxy | undefined;

    afterEach(async () => {
      database?.up();
      await alone?.close();
      alone = undefined;
      await database?.close();
      database = undefined;
    });

    it('429 with Retry-After from the throttler', async () => {
      alone = await TestSystem.start({ RATE_LIMIT_MAX: '1' }, { consumer: false });
      expect((await send('GET', '/metrics', undefined, {}, alone.producerUrl)).status).toBe(200);

      const answer = await send('GET', '/metrics', undefined, {}, alone.producerUrl);

      expectProblem(answer, { status: 429, type: 'about:blank', instance: '/metrics' });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('503 service-unavailable with Retry-After when the database is away', async () => {
      const target = new URL(
        process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      );
      database = new TcpProxy(target.hostname, Number(target.port || 5432));
      target.hostname = '127.0.0.1';
      target.port = String(await database.listen());
      alone = await TestSystem.start(
        { DATABASE_TIMEOUT_MS: '1000' },
        { consumer: false, databaseUrl: target.toString() },
      );
      database.down();

      const answer = await send(
        'POST',
        '/orders',
        JSON.stringify(anOrder()),
        {},
        alone.producerUrl,
      );

      expectProblem(answer, { status: 503, type: 'service-unavailable', instance: '/orders' });
      expect(answer.headers.get('retry-after')).toBe('5');
    });
  });
});
