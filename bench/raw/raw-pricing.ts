// The consumer's pricing arithmetic for the raw baselines, without coupons: loads nothing.

export interface RawItem {
  quantity: number;
  unitPrice: number;
}

/** The same arithmetic as the consumer's PricingService, without coupons. */
export function price(items: RawItem[], currency: string) {
  const subtotal = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  const tax = Math.round((subtotal * 8) / 100);
  const shipping = subtotal === 0 || subtotal >= 5_000 ? 0 : 499;
  return { subtotal, discount: 0, tax, shipping, total: subtotal + tax + shipping, currency };
}
