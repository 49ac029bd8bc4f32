/**
 * The pricing rules, in one place so the docs (docs/http-api.md) and the tests can point at them.
 * All amounts are integer minor units of the order's currency.
 */
export const PRICING_RULES = {
  /** Tax on the discounted subtotal, in percent, rounded half up to a whole minor unit. */
  taxPercent: 8,
  /** Flat shipping fee when the discounted subtotal is below the free-shipping threshold. */
  shippingFee: 499,
  freeShippingThreshold: 5_000,
  /** Coupon codes: a percentage off, or a fixed amount off (never below zero). */
  coupons: {
    SAVE10: { percentOff: 10 },
    WELCOME5: { amountOff: 500 },
  } as Record<string, { percentOff?: number; amountOff?: number }>,
} as const;
