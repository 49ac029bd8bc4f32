import { TransactionContext, type Database } from '@app/persistence';
import type { PreparedMessage } from '../rabbitmq.client';
import type { MessagingTables } from './outbox.tables';

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
    await this.database
      .db<MessagingTables>()
      .insertInto('messaging_outbox')
      .values({
        message_id: message.properties.messageId,
        exchange: message.exchange,
        routing_key: message.routingKey,
        content: message.content,
        properties: JSON.stringify(message.properties),
      })
      .onConflict((conflict) => conflict.column('message_id').doNothing())
      .execute();
    for (const wake of this.committed) {
      TransactionContext.afterCommit(wake);
    }
  }

  /** Calls `wake` after each transaction that wrote to the outbox commits (the local relay). */
  onCommitted(wake: () => void): void {
    this.committed.add(wake);
  }
}
