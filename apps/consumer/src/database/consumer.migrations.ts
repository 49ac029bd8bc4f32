import { sql, type Kysely } from 'kysely';
import { messagingMigrations } from '@app/messaging';
import type { Migrations } from '@app/persistence';

/** The consumer's schema: the messaging tables, then its own (applied in name order). */
export const consumerMigrations: Migrations = {
  ...messagingMigrations,
  '2026-12-04.2-consumer-orders': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('orders')
        .addColumn('order_id', 'uuid', (c) => c.primaryKey())
        // 'new' lives only inside the transaction that creates the row and decides its state.
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('new', 'accepted', 'rejected', 'cancelled')`),
        )
        .addColumn('customer_id', 'text')
        .addColumn('currency', 'text')
        .addColumn('total', 'integer')
        .addColumn('reason', 'text')
        .addColumn('processed_at', 'timestamptz')
        .addColumn('cancelled_at', 'timestamptz')
        .addColumn('cancel_reason', 'text')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('orders').execute();
    },
  },
};
