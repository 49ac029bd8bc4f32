import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  deleteTopology,
  fetchAnswer,
  isolatedBrokerEnv,
  problemViolations,
  uniqueName,
  type ExpectedProblem,
  type HttpAnswer,
} from '@app/testing';
import { ConsumerConfig, createConsumerApp, startConsumerApp } from '@apps/consumer';

const TOKEN = 'problem-details-admin-token';
const TEST_TIMEOUT_MS = 30_000;

function expectProblem(answer: HttpAnswer, expected: ExpectedProblem): void {
  expect({ expected, violations: problemViolations(answer, expected) }).toEqual({
    expected,
    violations: [],
  });
}

/** Starts a consumer's HTTP port (and, with `consume`, its message consumers, which declare the queues). */
async function startConsumer(env: Record<string, string>, consume: boolean) {
  const app = await createConsumerApp(ConsumerConfig.fromEnv(env));
  if (consume) {
    await startConsumerApp(app, 0);
  } else {
    await app.listen(0, '127.0.0.1');
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/**
 * One request per error status of the consumer's HTTP port (the dead-letter admin API above all),
 * each checked against the one schema of RFC 9457 problem details.
 */
describe('Consumer error answers: RFC 9457 problem details', () => {
  const env: Record<string, string> = {
    ...isolatedBrokerEnv('problems'),
    RABBITMQ_QUEUE: uniqueName('consumer'),
  };
  const apps: NestFastifyApplication[] = [];
  let baseUrl = '';

  const admin = (
    method: string,
    path: string,
    { token = TOKEN, ...init }: RequestInit & { token?: string | null } = {},
    url = baseUrl,
  ) =>
    fetchAnswer(`${url}${path}`, {
      method,
      ...init,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  beforeAll(async () => {
    const { app, url } = await startConsumer({ ...env, ADMIN_TOKEN: TOKEN }, true);
    apps.push(app);
    baseUrl = url;
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await deleteTopology(env, [env.RABBITMQ_QUEUE]);
  });

  it('400 validation-failed for a paging parameter out of range', async () => {
    const answer = await admin('GET', '/admin/dead-letters?limit=0');

    expectProblem(answer, {
      status: 400,
      type: 'validation-failed',
      instance: '/admin/dead-letters',
    });
    expect(answer.body.errors).toEqual([
      { field: 'limit', errors: ['limit must not be less than 1'] },
    ]);
  });

  it('400 validation-failed for a purge without ?confirm=purge, naming the parameter', async () => {
    const answer = await admin('DELETE', '/admin/dead-letters?confirm=yes');

    expectProblem(answer, { status: 400, type: 'validation-failed' });
    expect(answer.body.errors).toEqual([
      { field: 'confirm', errors: [expect.stringMatching(/"purge"/) as unknown] },
    ]);
    expect(answer.body.detail).toMatch(/^confirm: .*\?confirm=purge/);
  });

  it('400 invalid-json for a body that does not parse', async () => {
    const answer = await admin('POST', '/admin/dead-letters/replay', {
      headers: { 'content-type': 'application/json' },
      body: '{"all":',
    });

    expectProblem(answer, { status: 400, type: 'invalid-json' });
  });

  it('401 with a Bearer challenge and the request id', async () => {
    const answer = await admin('GET', '/admin/dead-letters', {
      token: null,
      headers: { 'x-request-id': 'admin-401' },
    });

    expectProblem(answer, { status: 401, type: 'about:blank', instance: '/admin/dead-letters' });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
    expect(answer.body.requestId).toBe('admin-401');
  });

  it('404 for an unknown dead letter', async () => {
    const answer = await admin('GET', '/admin/dead-letters/no-such-message');

    expectProblem(answer, {
      status: 404,
      type: 'about:blank',
      instance: '/admin/dead-letters/no-such-message',
    });
    expect(answer.body.detail).toContain('No dead letter with messageId "no-such-message"');
  });

  it('404 for an unknown route', async () => {
    expectProblem(await admin('GET', '/admin/no-such-route'), {
      status: 404,
      type: 'about:blank',
      instance: '/admin/no-such-route',
    });
  });

  it('413 for a body over the limit', async () => {
    const answer = await admin('POST', '/admin/dead-letters/replay', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(1_100_000) }),
    });

    expectProblem(answer, { status: 413, type: 'about:blank' });
  });

  it('415 for a body of a type it does not parse', async () => {
    const answer = await admin('POST', '/admin/dead-letters/replay', {
      headers: { 'content-type': 'application/xml' },
      body: '<replay/>',
    });

    expectProblem(answer, { status: 415, type: 'about:blank' });
  });

  it(
    '503 service-unavailable with Retry-After while the queues are not declared yet',
    async () => {
      const { app, url } = await startConsumer(
        { ...env, RABBITMQ_QUEUE: uniqueName('consumer-not-started'), ADMIN_TOKEN: TOKEN },
        false,
      );
      apps.push(app);

      const answer = await admin('GET', '/admin/dead-letters', {}, url);

      expectProblem(answer, { status: 503, type: 'service-unavailable' });
      expect(answer.body.detail).toMatch(/does not exist yet/);
      expect(answer.headers.get('retry-after')).toBe('5');

      // The one 503 that is not a problem: a failed readiness check is Terminus' health report.
      const ready = await fetchAnswer(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
      expect(ready.body).toMatchObject({ status: 'error', error: expect.any(Object) as unknown });
    },
    TEST_TIMEOUT_MS,
  );
});
