import { sql, type Kysely } from 'kysely';
import type { Migrations } from '@app/persistence';

/**
 * The messaging tables; an app applies them with its own migrations (`{ ...messagingMigrations,
 * ...ownMigrations }`). Names start with a date: migrations run in name order.
 */
export const messagingMigrations: Migrations = {
  '2026-12-04.1-messaging-outbox-inbox': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('messaging_outbox')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('exchange', 'text', (c) => c.notNull())
        .addColumn('routing_key', 'text', (c) => c.notNull())
        .addColumn('content', 'bytea', (c) => c.notNull())
        .addColumn('properties', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('sent_at', 'timestamptz')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .execute();
      // The relay reads the unsent rows in order; retention deletes the sent ones by age.
      await sql`create index messaging_outbox_unsent on messaging_outbox (id) where sent_at is null`.execute(
        db,
      );
      await sql`create index messaging_outbox_sent on messaging_outbox (sent_at) where sent_at is not null`.execute(
        db,
      );
      await db.schema
        .createTable('messaging_inbox')
        .addColumn('message_id', 'text', (c) => c.primaryKey())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createIndex('messaging_inbox_received')
        .on('messaging_inbox')
        .column('received_at')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('messaging_inbox').execute();
      await db.schema.dropTable('messaging_outbox').execute();
    },
  },
};
