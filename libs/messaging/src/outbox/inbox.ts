import type { Kysely } from 'kysely';
import { PreparedQuery, type Database } from '@app/persistence';
import type { MessagingTables } from './outbox.tables';

/** The inbox row of a messageId; nothing when the row is there already. */
const insertInboxRow = new PreparedQuery(
  (db: Kysely<MessagingTables>, row: { messageId: string }) =>
    db
      .insertInto('messaging_inbox')
      .values({ message_id: row.messageId })
      .onConflict((conflict) => conflict.column('message_id').doNothing()),
);

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
    const inserted = await insertInboxRow.execute(this.database.db<MessagingTables>(), {
      messageId,
    });
    return inserted.numAffectedRows === 1n;
  }
}
