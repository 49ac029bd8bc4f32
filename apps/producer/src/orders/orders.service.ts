import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EventPatterns, type OrderEvents, type OrderRequests } from '@app/contracts';
import { MessageBus } from '@app/messaging';
import { Database } from '@app/persistence';
import { nameBasedUuid } from '@app/platform';
import { ProducerConfig } from '../config/producer.config';
import type { CancelOrderDto } from './dto/cancel-order.dto';
import type { OrderAcceptedDto, PlaceOrderDto } from './dto/place-order.dto';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from './order.errors';
import { OrdersRepository, type OrderView } from './orders.repository';

/** SQLSTATE lock_not_available: the lock_timeout passed waiting for another transaction's row. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Turns HTTP commands into committed state: each writes the order and its event (through the
 * outbox) in one transaction, so a 202 means both are stored, and the relay publishes the event
 * after the commit — while the broker is away too. The database away is a 503; nothing is written.
 */
@Injectable()
export class OrdersService {
  constructor(
    @Inject(MessageBus) private readonly bus: MessageBus<OrderEvents, OrderRequests>,
    private readonly database: Database,
    private readonly orders: OrdersRepository,
    private readonly config: ProducerConfig,
  ) {}

  /**
   * Records the order and its `order.placed`. With an Idempotency-Key, the key is claimed in the
   * same transaction (unique per customer): a repeat answers the first order, another body is a
   * 422, and a repeat while the first is still in its transaction waits for it (409 after a bound).
   */
  place(order: PlaceOrderDto, idempotencyKey?: string): Promise<OrderAcceptedDto> {
    return this.database
      .transaction(async () => {
        const orderId = randomUUID();
        if (idempotencyKey !== undefined) {
          await this.orders.waitForLocksAtMost(this.config.env.PUBLISH_TIMEOUT_MS * 2);
          const fingerprint = createHash('sha256').update(JSON.stringify(order)).digest('base64');
          const earlier = await this.orders.claimKey(
            order.customerId,
            idempotencyKey,
            fingerprint,
            orderId,
          );
          if (earlier) {
            if (earlier.fingerprint !== fingerprint) {
              throw new IdempotencyKeyReusedError(idempotencyKey);
            }
            return { orderId: earlier.orderId };
          }
        }
        const placedAt = new Date();
        const items = order.items.map(({ sku, quantity, unitPrice }) => ({
          sku,
          quantity,
          unitPrice,
        }));
        await this.orders.insert({
          orderId,
          customerId: order.customerId,
          currency: order.currency,
          items,
          placedAt,
        });
        await this.bus.publish(
          EventPatterns.OrderPlaced,
          {
            orderId,
            customerId: order.customerId,
            items,
            currency: order.currency,
            placedAt: placedAt.toISOString(),
          },
          { messageId: orderId },
        );
        return { orderId };
      })
      .catch((error: unknown) => {
        if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE && idempotencyKey) {
          throw new IdempotencyKeyInProgressError(idempotencyKey);
        }
        throw error;
      });
  }

  /**
   * Records the cancellation request and its `order.cancelled`: 404 for an order this service
   * never accepted, 409 for one the consumer rejected, and once cancelled, a repeat changes
   * nothing. Its messageId derives from the order, so repeated cancels are one message.
   */
  cancel(orderId: string, body: CancelOrderDto): Promise<void> {
    return this.database.transaction(async () => {
      const current = await this.orders.lockStatus(orderId);
      if (!current) {
        throw new OrderNotFoundError(orderId);
      }
      if (current.status === 'rejected') {
        throw new OrderNotCancellableError(orderId, current.reason);
      }
      if (current.status === 'cancelled') {
        return;
      }
      const at = new Date();
      await this.orders.markCancelRequested(orderId, at);
      await this.bus.publish(
        EventPatterns.OrderCancelled,
        {
          orderId,
          reason: body.reason ?? 'cancelled by the customer',
          cancelledAt: at.toISOString(),
        },
        { messageId: nameBasedUuid(`${EventPatterns.OrderCancelled}\n${orderId}`) },
      );
    });
  }

  async status(orderId: string): Promise<OrderView> {
    const order = await this.database.run(() => this.orders.find(orderId));
    if (!order) {
      throw new OrderNotFoundError(orderId);
    }
    return order;
  }
}
