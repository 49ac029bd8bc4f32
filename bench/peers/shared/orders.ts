import {
  ORDER_RULES,
  PRICING_RULES,
  type OrderItem,
  type OrderPlacedEvent,
  type OrderProcessedEvent,
  type OrderQuoteReply,
} from './contracts';

/**
 * The consumer's PricingService, without Nest: the same rules (imported from the consumer), the
 * same arithmetic, and an unknown coupon is an error.
 */
export function quote(items: OrderItem[], currency: string, couponCode?: string): OrderQuoteReply {
  const subtotal = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  const discount = couponDiscount(subtotal, couponCode);
  const taxable = subtotal - discount;
  const tax = Math.round((taxable * PRICING_RULES.taxPercent) / 100);
  const shipping =
    taxable === 0 || taxable >= PRICING_RULES.freeShippingThreshold ? 0 : PRICING_RULES.shippingFee;
  return { subtotal, discount, tax, shipping, total: taxable + tax + shipping, currency };
}

function couponDiscount(subtotal: number, couponCode?: string): number {
  if (couponCode === undefined) {
    return 0;
  }
  const coupon = PRICING_RULES.coupons[couponCode];
  if (!coupon) {
    throw new Error(`couponCode "${couponCode}" is not a known coupon`);
  }
  const off = coupon.percentOff
    ? Math.round((subtotal * coupon.percentOff) / 100)
    : (coupon.amountOff ?? 0);
  return Math.min(off, subtotal);
}

/**
 * The consumer's OrdersService.process() without the publish: prices the order and decides its
 * outcome with the same rules (the cancellation check has nothing to look up here: nobody cancels
 * in the bench).
 */
export function processOrder(order: OrderPlacedEvent): OrderProcessedEvent {
  const { total } = quote(order.items, order.currency);
  const reason =
    order.items.length > ORDER_RULES.maxLinesPerOrder
      ? `too many items: ${order.items.length} lines, at most ${ORDER_RULES.maxLinesPerOrder}`
      : total === 0
        ? 'order total is zero'
        : undefined;
  return {
    orderId: order.orderId,
    outcome: reason ? 'rejected' : 'accepted',
    ...(reason ? { reason } : {}),
    total,
    currency: order.currency,
    processedAt: new Date().toISOString(),
  };
}
