import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EventPatterns, type OrderEvents, type OrderRequests } from '@app/contracts';
import { MessageBus } from '@app/messaging';
import type { CancelOrderDto } from './dto/cancel-order.dto';
import type { OrderAcceptedDto, PlaceOrderDto } from './dto/place-order.dto';
import { IdempotencyStore } from './idempotency.store';
import { orderIdFor } from './order-id';
import { OrderStatusStore } from './order-status.store';

/** Turns HTTP commands into confirmed order events. */
@Injectable()
export class OrdersService {
  constructor(
    @Inject(MessageBus) private readonly bus: MessageBus<OrderEvents, OrderRequests>,
    private readonly idempotency: IdempotencyStore,
    private readonly statuses: OrderStatusStore,
  ) {}

  /** Publishes `order.placed`; resolves once the broker confirmed it. */
  place(order: PlaceOrderDto, idempotencyKey?: string): Promise<OrderAcceptedDto> {
    if (idempotencyKey === undefined) {
      return this.publishPlaced(order, orderIdFor(order.customerId));
    }
    const fingerprint = createHash('sha256').update(JSON.stringify(order)).digest('base64');
    return this.idempotency.run(`${order.customerId}\n${idempotencyKey}`, fingerprint, () =>
      this.publishPlaced(order, orderIdFor(order.customerId, idempotencyKey)),
    );
  }

  /** Publishes `order.cancelled`; resolves once the broker confirmed it. */
  async cancel(orderId: string, body: CancelOrderDto): Promise<void> {
    await this.bus.publish(EventPatterns.OrderCancelled, {
      orderId,
      reason: body.reason ?? 'cancelled by the customer',
      cancelledAt: new Date().toISOString(),
    });
  }

  private async publishPlaced(order: PlaceOrderDto, orderId: string): Promise<OrderAcceptedDto> {
    await this.bus.publish(
      EventPatterns.OrderPlaced,
      {
        orderId,
        customerId: order.customerId,
        items: order.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
        currency: order.currency,
        placedAt: new Date().toISOString(),
      },
      { messageId: orderId },
    );
    this.statuses.markPending(orderId);
    return { orderId };
  }
}
