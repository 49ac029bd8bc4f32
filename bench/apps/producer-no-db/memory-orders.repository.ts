import { Injectable, NotImplementedException } from '@nestjs/common';
import type { OrderStatus } from '../../../apps/producer/src/database/producer.tables';
import type {
  NewOrder,
  OrdersRepository,
  OrderView,
} from '../../../apps/producer/src/orders/orders.repository';

/** What OrdersService asks of the repository. */
type OrdersStore = Pick<
  OrdersRepository,
  'waitForLocksAtMost' | 'claimKey' | 'insert' | 'lockStatus' | 'markCancelRequested' | 'find'
>;

/**
 * The producer's OrdersRepository without a database, for the bench's front-only producer: the ids
 * of the orders it accepted, each pending for good (with no read model, no outcome moves it on;
 * only ids, so a long run stays small). Not kept, so not supported: the Idempotency-Keys (a request
 * with one is answered 501; the bench sends none) and the rest of the read model (GET
 * /orders/:orderId is a 501). There are no row locks: nothing here waits.
 */
@Injectable()
export class MemoryOrdersRepository implements OrdersStore {
  private readonly accepted = new Set<string>();

  waitForLocksAtMost(): Promise<void> {
    return Promise.resolve();
  }

  claimKey(): Promise<never> {
    return Promise.reject(notKept('Idempotency-Key'));
  }

  insert(order: NewOrder): Promise<void> {
    this.accepted.add(order.orderId);
    return Promise.resolve();
  }

  lockStatus(orderId: string): Promise<{ status: OrderStatus; reason: null } | undefined> {
    return Promise.resolve(
      this.accepted.has(orderId) ? { status: 'pending', reason: null } : undefined,
    );
  }

  /** The time of the request is not kept. */
  markCancelRequested(): Promise<void> {
    return Promise.resolve();
  }

  find(): Promise<OrderView | undefined> {
    return Promise.reject(notKept('GET /orders/:orderId'));
  }
}

function notKept(what: string): NotImplementedException {
  return new NotImplementedException(
    `${what} is not supported by the bench's producer without a database, which keeps only the ` +
      'ids of the orders it accepted',
  );
}
