import type { ColumnType, Generated } from 'kysely';

/** A message committed with the business change that caused it, until the relay published it. */
export interface OutboxTable {
  id: Generated<string>;
  message_id: string;
  exchange: string;
  routing_key: string;
  content: Buffer;
  /** The AMQP properties (messageId, correlation, headers, …) as fixed when it was written. */
  properties: ColumnType<Record<string, unknown>, string, string>;
  created_at: Generated<Date>;
  sent_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
}

/** A message this service handled (in the transaction of its effects), by messageId. */
export interface InboxTable {
  message_id: string;
  received_at: Generated<Date>;
}

/** The messaging library's tables, in the service's schema beside its own. */
export interface MessagingTables {
  messaging_outbox: OutboxTable;
  messaging_inbox: InboxTable;
}
