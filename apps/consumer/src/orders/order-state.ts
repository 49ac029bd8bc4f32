import type { ConsumerOrderStatus } from '../database/consumer.tables';

/** The state before an event applies: `new` for an order the consumer has not seen yet. */
export type OrderState = ConsumerOrderStatus | 'new';

/**
 * What an `order.placed` does, given the state and the pricing decision:
 * - new → accepted or rejected, announced by `order.processed`;
 * - cancelled (its cancellation came first) → stays cancelled, nothing to announce (the
 *   cancellation already was);
 * - accepted or rejected → already processed: nothing.
 */
export function onPlaced(
  state: OrderState,
  decision: 'accepted' | 'rejected',
): { next: OrderState; announce: boolean } {
  return state === 'new' ? { next: decision, announce: true } : { next: state, announce: false };
}

/**
 * What an `order.cancelled` does:
 * - new (the order has not arrived) or accepted → cancelled, announced as `cancelled`;
 * - rejected → stays rejected, announced as `refused` (there is nothing to cancel);
 * - cancelled → already: nothing.
 */
export function onCancelled(state: OrderState): {
  next: OrderState;
  announce?: 'cancelled' | 'refused';
} {
  switch (state) {
    case 'new':
    case 'accepted':
      return { next: 'cancelled', announce: 'cancelled' };
    case 'rejected':
      return { next: 'rejected', announce: 'refused' };
    case 'cancelled':
      return { next: 'cancelled' };
  }
}
