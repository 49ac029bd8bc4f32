import { metricSample, waitFor } from '@app/testing';
import { anOrder, TestSystem } from './support/system';

describe('Producer security', () => {
  describe('with an API key and a rate limit', () => {
    let system: TestSystem;
    const key = 'test-api-key-0123456789';

    beforeAll(async () => {
      system = await TestSystem.start({
        API_KEY: key,
        RATE_LIMIT_MAX: '8',
        RATE_LIMIT_WINDOW_MS: '60000',
      });
    });

    afterAll(async () => {
      await system?.close();
    });

    it('refuses requests without the right X-API-Key with 401, and keeps health open', async () => {
      expect((await system.post('/orders', anOrder())).status).toBe(401);
      expect((await system.post('/orders', anOrder(), { 'x-api-key': `${key}x` })).status).toBe(
        401,
      );
      expect((await fetch(`${system.producerUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${system.producerUrl}/docs-json`)).status).toBe(401);
      const refused = await fetch(`${system.producerUrl}/asyncapi.json`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
      const docs = await fetch(`${system.producerUrl}/docs-json`, {
        headers: { 'x-api-key': key },
      });
      expect(docs.status).toBe(200);
      expect((await fetch(`${system.producerUrl}/health/ready`)).status).toBe(200);
      expect((await system.post('/orders', anOrder(), { 'x-api-key': key })).status).toBe(202);
    });

    // SwaggerModule serves the UI on the Fastify instance, where Nest's APP_GUARD never runs: only
    // the protectDocs hook keeps it (and its assets) behind the key.
    it('refuses the docs UI page without the X-API-Key, and serves it with the key', async () => {
      const refused = await fetch(`${system.producerUrl}/docs`);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('swagger');
      const served = await fetch(`${system.producerUrl}/docs`, { headers: { 'x-api-key': key } });
      expect(served.status).toBe(200);
      expect(await served.text()).toContain('swagger');
    });

    it('answers 429 with Retry-After once a client exceeds the limit; health is never limited', async () => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 12; i++) {
        const response = await system.post('/orders', anOrder(), { 'x-api-key': key });
        statuses.push(response.status);
        retryAfter ??= response.headers.get('retry-after');
      }

      expect(statuses).toContain(429);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      for (let i = 0; i < 20; i++) {
        expect((await fetch(`${system.producerUrl}/health/live`)).status).toBe(200);
      }
    });
  });

  describe('limits', () => {
    let system: TestSystem;

    beforeAll(async () => {
      system = await TestSystem.start({ BODY_LIMIT_BYTES: '4096' });
    });

    afterAll(async () => {
      await system?.close();
    });

    it('answers 413 for a body over the limit, with the security headers', async () => {
      const response = await system.post('/orders', anOrder({ customerId: 'x'.repeat(5_000) }));
      expect(response.status).toBe(413);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    // Fastify answers 413 before Nest's router: a Nest interceptor would never time it, the
    // onResponse hook of measureHttp does.
    it('times the 413 Fastify answers itself in http_request_duration_seconds', async () => {
      const labels = { method: 'POST', route: '/orders', status: '413' };
      const before = await metricSample(
        system.producerUrl,
        'http_request_duration_seconds_count',
        labels,
      );
      const response = await system.post('/orders', anOrder({ customerId: 'x'.repeat(5_000) }));
      expect(response.status).toBe(413);
      // onResponse runs once the answer is written, so the client may read it first.
      await waitFor(
        async () =>
          (await metricSample(
            system.producerUrl,
            'http_request_duration_seconds_count',
            labels,
          )) ===
          before + 1,
        { description: 'the 413 to be timed' },
      );
    });

    it('answers without stack traces or internals', async () => {
      const response = await system.post('/orders', '{"items": [');
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).not.toMatch(/node_modules|\.js:\d+|\.ts:\d+/);
    });

    it.each(['/health/live', '/no-such-route'])('sets security headers on %s', async (path) => {
      const response = await fetch(`${system.producerUrl}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBeTruthy();
      expect(response.headers.get('content-security-policy')).toContain(
        "script-src 'self' 'unsafe-inline'",
      );
    });
  });
});
