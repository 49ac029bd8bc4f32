import { Injectable } from '@nestjs/common';
import type { OrderItem, OrderQuoteReply } from '@app/contracts';
import { PayloadValidationError } from '@app/messaging';
import { PRICING_RULES } from './pricing.rules';

/** Prices a basket; used both to answer quotes and to total placed orders, so they always agree. */
@Injectable()
export class PricingService {
  quote(items: OrderItem[], currency: string, couponCode?: string): OrderQuoteReply {
    const subtotal = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
    const discount = this.discount(subtotal, couponCode);
    const taxable = subtotal - discount;
    const tax = Math.round((taxable * PRICING_RULES.taxPercent) / 100);
    const shipping =
      taxable === 0 || taxable >= PRICING_RULES.freeShippingThreshold
        ? 0
        : PRICING_RULES.shippingFee;
    return { subtotal, discount, tax, shipping, total: taxable + tax + shipping, currency };
  }

  private discount(subtotal: number, couponCode?: string): number {
    if (couponCode === undefined) {
      return 0;
    }
    const coupon = PRICING_RULES.coupons[couponCode];
    if (!coupon) {
      throw new PayloadValidationError([
        { field: 'couponCode', errors: [`couponCode "${couponCode}" is not a known coupon`] },
      ]);
    }
    const off = coupon.percentOff
      ? Math.round((subtotal * coupon.percentOff) / 100)
      : (coupon.amountOff ?? 0);
    return Math.min(off, subtotal);
  }
}
