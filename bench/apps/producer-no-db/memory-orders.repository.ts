import { Injectable, NotImplementedException } from '@nestjs/common';
import type { OrderCancellationProcessedEvent, OrderProcessedEvent } from '@app/contracts';
import type { OrderStatus } from '../../../apps/producer/src/database/producer.tables';
import type {
  NewOrder,
  OrdersRepository,
  OrderView,
} from '../../../apps/producer/src/orders/orders.repository';

/** What OrdersService and OrderOutcomesController ask of the repository. */
type OrdersStore = Pick<
  OrdersRepository,
  | 'waitForLocksAtMost'
  | 'claimKey'
  | 'insert'
  | 'lockStatus'
  | 'markCancelRequested'
  | 'applyProcessed'
  | 'applyCancellation'
  | 'find'
>;

/**
 * The producer's OrdersRepository without a database, for the database-free bench variant: each
 * order's status in a map (the status only, so a long run stays small), moved by the consumer's
 * outcomes with the same rules as the table's conditional updates. Not kept, so not supported: the
 * Idempotency-Keys (a request with one is answered 501; the bench sends none) and the rest of the
 * read model (GET /orders/:orderId is a 501). There are no row locks: nothing here waits.
 */
@Injectable()
export class MemoryOrdersRepository implements OrdersStore {
  private readonly statuses = new Map<string, OrderStatus>();

  waitForLocksAtMost(): Promise<void> {
    return Promise.resolve();
  }

  claimKey(): Promise<never> {
    return Promise.reject(notKept('Idempotency-Key'));
  }

  insert(order: NewOrder): Promise<void> {
    this.statuses.set(order.orderId, 'pending');
    return Promise.resolve();
  }

  lockStatus(orderId: string): Promise<{ status: OrderStatus; reason: null } | undefined> {
    const status = this.statuses.get(orderId);
    return Promise.resolve(status && { status, reason: null });
  }

  /** The time of the request is not kept. */
  markCancelRequested(): Promise<void> {
    return Promise.resolve();
  }

  applyProcessed(event: OrderProcessedEvent): Promise<void> {
    if (this.statuses.get(event.orderId) === 'pending') {
      this.statuses.set(event.orderId, event.outcome);
    }
    return Promise.resolve();
  }

  applyCancellation(event: OrderCancellationProcessedEvent): Promise<void> {
    const status = this.statuses.get(event.orderId);
    if (event.outcome === 'cancelled' && (status === 'pending' || status === 'accepted')) {
      this.statuses.set(event.orderId, 'cancelled');
    }
    return Promise.resolve();
  }

  find(): Promise<OrderView | undefined> {
    return Promise.reject(notKept('GET /orders/:orderId'));
  }
}

function notKept(what: string): NotImplementedException {
  return new NotImplementedException(
    `${what} is not supported by the bench's producer without a database, which keeps only each ` +
      "order's status",
  );
}
