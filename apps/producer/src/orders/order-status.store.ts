import { Injectable } from '@nestjs/common';
import type { OrderProcessedEvent } from '@app/contracts';
import { BoundedTtlCache } from '@app/platform';
import { ProducerConfig } from '../config/producer.config';

/** What `GET /orders/:orderId` answers: pending until the consumer's outcome arrives. */
export type OrderStatusDto =
  | { orderId: string; status: 'pending' }
  | ({ status: OrderProcessedEvent['outcome'] } & OrderProcessedEvent);

/**
 * The producer's read model of order outcomes, fed by `order.processed`. Bounded in size and age;
 * each replica sees the outcomes it consumed (share it through a store such as Redis to scale out).
 */
@Injectable()
export class OrderStatusStore {
  private readonly statuses: BoundedTtlCache<string, OrderStatusDto>;

  constructor({ env }: ProducerConfig) {
    this.statuses = new BoundedTtlCache(env.IDEMPOTENCY_MAX_KEYS, env.IDEMPOTENCY_TTL_MS);
  }

  markPending(orderId: string): void {
    if (!this.statuses.has(orderId)) {
      this.statuses.set(orderId, { orderId, status: 'pending' });
    }
  }

  record(event: OrderProcessedEvent): void {
    this.statuses.set(event.orderId, { ...event, status: event.outcome });
  }

  get(orderId: string): OrderStatusDto | undefined {
    return this.statuses.get(orderId);
  }
}
