import type { Kysely } from 'kysely';
import { PreparedQuery, TransactionContext, type Database } from '@app/persistence';
import type { PreparedMessage } from '../rabbitmq.client';
import type { MessagingTables } from './outbox.tables';

/** An outbox row; nothing when a row of that messageId is there already (a handler run again). */
const insertOutboxRow = new PreparedQuery(
  (
    db: Kysely<MessagingTables>,
    row: {
      messageId: string;
      exchange: string;
      routingKey: string;
      content: Buffer;
      properties: string;
    },
  ) =>
    db
      .insertInto('messaging_outbox')
      .values({
        message_id: row.messageId,
        exchange: row.exchange,
        routing_key: row.routingKey,
        content: row.content,
        properties: row.properties,
      })
      .onConflict((conflict) => conflict.column('message_id').doNothing()),
);

/**
 * The transactional outbox: messages published inside a transaction are written to a table with
 * the business change instead of to the broker, so both happen or neither. After the commit the
 * relay of this process publishes them at once; rows a process committed and could not relay (it
 * died) are found by any relay's poll. No NOTIFY: PostgreSQL serialises every committing transaction
 * that notified (decision record 0027). A message already in the outbox (same messageId: a handler
 * run again) is not written twice.
 */
export class Outbox {
  private readonly committed = new Set<() => void>();

  constructor(private readonly database: Database) {}

  /** Whether a transaction is current, so a publish belongs in the outbox. */
  inTransaction(): boolean {
    return TransactionContext.current() !== undefined;
  }

  /** Writes `message` in the current transaction; relays are woken when it commits. */
  async append(message: PreparedMessage): Promise<void> {
    await insertOutboxRow.execute(this.database.db<MessagingTables>(), {
      messageId: message.properties.messageId,
      exchange: message.exchange,
      routingKey: message.routingKey,
      content: message.content,
      properties: JSON.stringify(message.properties),
    });
    for (const wake of this.committed) {
      TransactionContext.afterCommit(wake);
    }
  }

  /** Calls `wake` after each transaction that wrote to the outbox commits (the local relay). */
  onCommitted(wake: () => void): void {
    this.committed.add(wake);
  }
}
