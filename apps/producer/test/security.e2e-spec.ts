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
