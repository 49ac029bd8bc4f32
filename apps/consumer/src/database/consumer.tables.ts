import type { Generated } from 'kysely';
import type { MessagingTables } from '@app/messaging';

/**
 * An order's state in the consumer (see `orders.state.ts`): accepted or rejected when processed,
 * cancelled once a cancellation applied (before or after processing).
 */
export type ConsumerOrderStatus = 'accepted' | 'rejected' | 'cancelled';

/** Orders as the consumer decided them. A cancellation that came first leaves a row without data. */
export interface ConsumerOrdersTable {
  order_id: string;
  status: ConsumerOrderStatus | 'new';
  customer_id: string | null;
  currency: string | null;
  total: number | null;
  reason: string | null;
  processed_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  updated_at: Generated<Date>;
}

/** Every table of the consumer's schema. */
export interface ConsumerTables extends MessagingTables {
  orders: ConsumerOrdersTable;
}
