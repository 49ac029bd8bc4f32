import { PayloadValidationError } from '@app/messaging';
import { PricingService } from './pricing.service';

describe(PricingService.name, () => {
  const sut = new PricingService();
  const items = (...lines: [number, number][]) =>
    lines.map(([quantity, unitPrice], i) => ({ sku: `SKU-${i}`, quantity, unitPrice }));

  it('adds tax and shipping below the free-shipping threshold', () => {
    expect(sut.quote(items([2, 1_250]), 'EUR')).toEqual({
      subtotal: 2_500,
      discount: 0,
      tax: 200,
      shipping: 499,
      total: 3_199,
      currency: 'EUR',
    });
  });

  it('ships free from the threshold on', () => {
    const reply = sut.quote(items([1, 5_000]), 'USD');
    expect(reply.shipping).toBe(0);
    expect(reply.total).toBe(5_400);
  });

  it('applies a percentage coupon before tax and the threshold', () => {
    const reply = sut.quote(items([1, 5_000]), 'USD', 'SAVE10');
    expect(reply).toMatchObject({ subtotal: 5_000, discount: 500, tax: 360, shipping: 499 });
    expect(reply.total).toBe(5_000 - 500 + 360 + 499);
  });

  it('caps a fixed coupon at the subtotal', () => {
    expect(sut.quote(items([1, 300]), 'USD', 'WELCOME5')).toMatchObject({
      discount: 300,
      tax: 0,
      shipping: 0,
      total: 0,
    });
  });

  it('rounds tax half up to a whole minor unit', () => {
    expect(sut.quote(items([1, 1_006]), 'USD').tax).toBe(80);
    expect(sut.quote(items([1, 1_007]), 'USD').tax).toBe(81);
  });

  it('keeps total = subtotal - discount + tax + shipping for any basket', () => {
    for (let seed = 1; seed < 200; seed++) {
      const reply = sut.quote(items([seed % 7 || 1, (seed * 7919) % 20_000]), 'GBP', 'SAVE10');
      expect(reply.total).toBe(reply.subtotal - reply.discount + reply.tax + reply.shipping);
      expect(Number.isInteger(reply.total)).toBe(true);
    }
  });

  it('rejects an unknown coupon naming the field', () => {
    expect(() => sut.quote(items([1, 100]), 'USD', 'NOPE')).toThrow(PayloadValidationError);
  });
});
