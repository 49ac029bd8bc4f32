import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  EventPatterns,
  type OrderCancelledEvent,
  type OrderEvents,
  type OrderPlacedEvent,
  type OrderProcessedEvent,
  type OrderRequests,
} from '@app/contracts';
import { MessageBus } from '@app/messaging';
import { BoundedTtlCache } from '@app/platform';
import { PricingService } from '../pricing/pricing.service';
import { ORDER_RULES } from './orders.rules';

const CANCELLED_WINDOW = { maxEntries: 100_000, ttlMs: 24 * 60 * 60 * 1_000 };

/** Decides the outcome of placed orders and announces it with `order.processed`. */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);
  private readonly cancelled = new BoundedTtlCache<string, string>(
    CANCELLED_WINDOW.maxEntries,
    CANCELLED_WINDOW.ttlMs,
  );

  constructor(
    private readonly pricing: PricingService,
    @Inject(MessageBus) private readonly bus: MessageBus<OrderEvents, OrderRequests>,
  ) {}

  /** Prices the order, applies the business rules, and publishes the outcome (confirmed by the broker). */
  async process(order: OrderPlacedEvent): Promise<OrderProcessedEvent> {
    const { total } = this.pricing.quote(order.items, order.currency);
    const reason = this.rejectionReason(order, total);
    const processed: OrderProcessedEvent = {
      orderId: order.orderId,
      outcome: reason ? 'rejected' : 'accepted',
      ...(reason ? { reason } : {}),
      total,
      currency: order.currency,
      processedAt: new Date().toISOString(),
    };
    await this.bus.publish(EventPatterns.OrderProcessed, processed);
    this.logger.log(
      `Processed order ${order.orderId}: ${processed.outcome}${reason ? ` (${reason})` : ''}, ` +
        `total ${total} ${order.currency}`,
    );
    return processed;
  }

  /** Records the cancellation so an order that arrives after it is rejected. */
  cancel(event: OrderCancelledEvent): void {
    this.cancelled.set(event.orderId, event.reason);
    this.logger.log(`Cancelled order ${event.orderId}: ${event.reason}`);
  }

  private rejectionReason(order: OrderPlacedEvent, total: number): string | undefined {
    if (this.cancelled.has(order.orderId)) {
      return 'order was cancelled before it was processed';
    }
    if (order.items.length > ORDER_RULES.maxLinesPerOrder) {
      return `too many items: ${order.items.length} lines, at most ${ORDER_RULES.maxLinesPerOrder}`;
    }
    if (total === 0) {
      return 'order total is zero';
    }
    return undefined;
  }
}
