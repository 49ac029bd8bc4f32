import { sql, type Kysely } from 'kysely';
import { messagingMigrations } from '@app/messaging';
import type { Migrations } from '@app/persistence';

/** The producer's schema: the messaging tables, then its own (applied in name order). */
export const producerMigrations: Migrations = {
  ...messagingMigrations,
  '2026-12-04.2-producer-orders': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('orders')
        .addColumn('order_id', 'uuid', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'accepted', 'rejected', 'cancelled')`),
        )
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('items', 'jsonb', (c) => c.notNull())
        .addColumn('total', 'integer')
        .addColumn('reason', 'text')
        .addColumn('placed_at', 'timestamptz', (c) => c.notNull())
        .addColumn('processed_at', 'timestamptz')
        .addColumn('cancel_requested_at', 'timestamptz')
        .addColumn('cancelled_at', 'timestamptz')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('order_id', 'uuid', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['customer_id', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('idempotency_keys_created')
        .on('idempotency_keys')
        .column('created_at')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('idempotency_keys').execute();
      await db.schema.dropTable('orders').execute();
    },
  },
};
