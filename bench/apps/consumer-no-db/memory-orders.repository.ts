import { Injectable } from '@nestjs/common';
import type { OrderState } from '../../../apps/consumer/src/orders/order-state';
import type { OrdersRepository } from '../../../apps/consumer/src/orders/orders.repository';

/** What OrdersService asks of its repository. */
type OrdersStore = Pick<OrdersRepository, 'lock' | 'saveProcessed' | 'saveCancelled' | 'statusOf'>;

/**
 * The consumer's OrdersRepository without a database, for the database-free bench variant: each
 * order's state in a map (the state only, so a long run stays small). There is no row lock: the
 * bench publishes every order once, so no two events about one order overlap.
 */
@Injectable()
export class MemoryOrdersRepository implements OrdersStore {
  private readonly states = new Map<string, OrderState>();

  lock(orderId: string): Promise<OrderState> {
    return Promise.resolve(this.states.get(orderId) ?? 'new');
  }

  saveProcessed(order: { orderId: string; status: OrderState }): Promise<void> {
    this.states.set(order.orderId, order.status);
    return Promise.resolve();
  }

  saveCancelled(orderId: string, status: OrderState): Promise<void> {
    this.states.set(orderId, status);
    return Promise.resolve();
  }

  statusOf(orderId: string): Promise<OrderState | undefined> {
    return Promise.resolve(this.states.get(orderId));
  }
}
