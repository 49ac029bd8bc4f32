import type { ColumnType, Generated } from 'kysely';
import type { MessagingTables } from '@app/messaging';

/** Where an order stands, as far as the producer knows: pending from its 202 on. */
export type OrderStatus = 'pending' | 'accepted' | 'rejected' | 'cancelled';

/** The producer's read model of an order, kept up to date by the consumer's outcome events. */
export interface OrdersTable {
  order_id: string;
  customer_id: string;
  status: OrderStatus;
  currency: string;
  items: ColumnType<unknown, string, string>;
  total: number | null;
  reason: string | null;
  placed_at: Date;
  processed_at: Date | null;
  cancel_requested_at: Date | null;
  cancelled_at: Date | null;
  updated_at: Generated<Date>;
}

/** An Idempotency-Key, its request's fingerprint and the order it created, per customer. */
export interface IdempotencyKeysTable {
  customer_id: string;
  idempotency_key: string;
  fingerprint: string;
  order_id: string;
  created_at: Generated<Date>;
}

/** Every table of the producer's schema. */
export interface ProducerTables extends MessagingTables {
  orders: OrdersTable;
  idempotency_keys: IdempotencyKeysTable;
}
