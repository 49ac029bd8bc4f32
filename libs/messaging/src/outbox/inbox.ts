import type { Database } from '@app/persistence';
import type { MessagingTables } from './outbox.tables';

/**
 * The inbox: a row per handled messageId, written in the same transaction as the handler's
 * effects, so a message is handled once per service — a redelivery, a duplicate publish, a replica
 * handling the same message at the same moment: only one transaction inserts the row, the others
 * find it and are acked as duplicates (or block until the first commits, then find it).
 */
export class Inbox {
  constructor(private readonly database: Database) {}

  /** Records `messageId` in the current transaction; false when it was handled before. */
  async accept(messageId: string): Promise<boolean> {
    const inserted = await this.database
      .db<MessagingTables>()
      .insertInto('messaging_inbox')
      .values({ message_id: messageId })
      .onConflict((conflict) => conflict.column('message_id').doNothing())
      .executeTakeFirst();
    return inserted.numInsertedOrUpdatedRows === 1n;
  }
}
