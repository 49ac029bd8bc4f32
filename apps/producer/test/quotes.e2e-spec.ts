import { RequestPatterns } from '@app/contracts';
import { metricSample } from '@app/testing';
import { TestSystem } from './support/system';

describe('Quotes over request/response', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ REQUEST_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('round-trips a quote with the pricing rules applied', async () => {
    const response = await system.post('/quotes', {
      items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 2_500 }],
      currency: 'USD',
      couponCode: 'SAVE10',
    });

    expect(response.status).toBe(200);
    // 5000 - 10 % = 4500; tax 8 % = 360; below 5000 after the discount: shipping 499.
    expect(response.body).toEqual({
      subtotal: 5_000,
      discount: 500,
      tax: 360,
      shipping: 499,
      total: 5_359,
      currency: 'USD',
    });
  });

  it('maps a validation error raised by the consumer to 400 naming the field', async () => {
    const response = await system.post('/quotes', {
      items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 100 }],
      currency: 'USD',
      couponCode: 'BOGUS',
    });

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'couponCode', errors: ['couponCode "BOGUS" is not a known coupon'] },
    ]);
  });

  it('answers 400 for an invalid body without asking the consumer', async () => {
    const asked = () =>
      system.outcomes.filter((o) => o.pattern === RequestPatterns.OrderQuote).length;
    const askedBefore = asked();

    const response = await system.post('/quotes', { items: [], currency: 'usd' });

    expect(response.status).toBe(400);
    // The consumer reports each request it answers as it sends the reply, so this is settled.
    expect(asked()).toBe(askedBefore);
    expect((response.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'currency',
      'items',
    ]);
  });

  it('answers 504 within the timeout when the consumer is stopped', async () => {
    await system.stopConsumer();

    const started = Date.now();
    const response = await system.post('/quotes', {
      items: [{ sku: 'BOOK-1', quantity: 1, unitPrice: 100 }],
      currency: 'USD',
    });
    const elapsed = Date.now() - started;

    expect(response.status).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(3_000);
    const quote = { pattern: RequestPatterns.OrderQuote };
    expect(await metricSample(system.producerUrl, 'messaging_request_timeouts_total', quote)).toBe(
      1,
    );
    expect(
      await metricSample(system.producerUrl, 'messaging_request_duration_seconds_count', {
        ...quote,
        result: 'timeout',
      }),
    ).toBe(1);
  });
});
