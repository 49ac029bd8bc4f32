/** Why a message was dead-lettered, as the consumer recorded it in the message's headers. */
export interface DeadLetterError {
  name: string | null;
  message: string | null;
  code: string | null;
}

/** One dead-lettered message in a listing: enough to see what failed and why, with a body preview. */
export interface DeadLetterSummary {
  /**
   * The AMQP messageId, or the id the consumer assigned (`x-assigned-message-id`) to a message
   * published without one; null only for a message the broker dead-lettered that had none.
   */
  messageId: string | null;
  /** The routing key it was originally published with. */
  routingKey: string | null;
  /** The Nest pattern of its `{ pattern, data }` envelope, else the routing key. */
  pattern: string | null;
  /** The exchange it was originally published to. */
  exchange: string | null;
  error: DeadLetterError;
  /** Set instead of `error` when the broker dead-lettered it (e.g. `delivery_limit` after crashes). */
  deathReason: string | null;
  /** Handler attempts, `x-attempt`. */
  attempts: number | null;
  firstFailureAt: string | null;
  lastFailureAt: string | null;
  /** When an operator last replayed it (it failed again since). */
  replayedAt: string | null;
  /** The publisher's timestamp, if it set one. */
  publishedAt: string | null;
  /** Times a quorum dead-letter queue handed this copy out and got it back, e.g. to listings. */
  deliveryCount: number | null;
  sizeBytes: number;
  /** The start of the body as text (base64 when it is not UTF-8). */
  bodyPreview: string;
}

/** How {@link DeadLetterDetail.body} is given. */
export type BodyEncoding = 'json' | 'utf8' | 'base64';

/** One dead-lettered message in full: decoded body, properties and every header. */
export interface DeadLetterDetail extends DeadLetterSummary {
  bodyEncoding: BodyEncoding;
  /** The parsed JSON when the body is JSON, else its text, else its base64. */
  body: unknown;
  properties: Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** A page of the dead-letter queue, in queue order. */
export interface DeadLetterPage {
  queue: string;
  /** Messages ready in the queue when the page was read. */
  total: number;
  offset: number;
  limit: number;
  items: DeadLetterSummary[];
}

/** Result of a replay: how many messages went back to the work queue, and how many stayed. */
export interface ReplayResult {
  replayed: number;
  /** Copies left in the dead-letter queue because their publish was not confirmed. */
  failed: number;
}
