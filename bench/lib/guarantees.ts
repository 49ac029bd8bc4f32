import type { PeerName } from './peers';

/**
 * What each compared system could not promise in a workload, printed under its table. Checked
 * against the sources of @nestjs/microservices 12.1.1, @golevelup/nestjs-rabbitmq 9.0.2 and
 * amqp-connection-manager 5.0.0, and against a broker (see "Guarantees" in bench/README.md).
 */
type Notes = Partial<Record<'ours' | 'ours-no-db' | 'raw' | PeerName, string>>;

const PIPELINE: Notes = {
  ours:
    'without a database: the follow-up published (persistent, confirmed, mandatory: an unroutable ' +
    'one fails) before the manual ack; also in-memory de-duplication by messageId, bounded delayed retries, a dead-letter queue with the reason, ' +
    'a delivery limit and metrics, none of which the others do (the JSON line per order is at debug, off by default)',
  raw: 'persistent, confirmed, mandatory publishes, manual acks; nothing else (no validation, retries, dead-lettering, de-duplication, reconnects, logs)',
  nest:
    'could not provide: a failed emit() for an unroutable message (mandatory is passed, returns are ' +
    'ignored: it resolves); any nack, retry or dead-lettering (a handler that throws, or a payload ' +
    'the ValidationPipe rejects, leaves its message unacked, holding a prefetch slot until the ' +
    'connection closes); de-duplication',
  golevelup:
    'could not provide: a failed publish() for an unroutable message (mandatory is passed through, ' +
    'returns are ignored: it resolves); bounded retries or dead-lettering (a failing handler is ' +
    'nacked and requeued at once, without limit: a poison message loops); a bounded wait while the ' +
    'broker is away (publishes wait in an unbounded in-memory buffer); de-duplication',
};

const HTTP: Notes = {
  'ours-no-db':
    '202 once order.placed.v1 is confirmed (persistent, mandatory: an unroutable one fails); 503 ' +
    "when the broker stays away past PUBLISH_TIMEOUT_MS; the producer's validation, security " +
    'headers, metrics, logs and correlation IDs; a front only, as the peers: no read model of ' +
    'order outcomes (GET /orders/:orderId answers 501), no Idempotency-Key (501), no durable 202',
  ours:
    'promises more: 202 once the order and its order.placed.v1 are committed to PostgreSQL in one ' +
    'transaction (the outbox relay publishes it, persistent, confirmed, mandatory; a broker away ' +
    'delays it, loses nothing); 503 while the database is away; validation, idempotency keys, ' +
    'security headers, metrics and logs. The other fronts have no database: their 202 follows the ' +
    'confirm',
  raw: '202 once confirmed (persistent, mandatory); no validation',
  nest:
    'could not provide: a failure for an unroutable order.placed.v1 (it gets a 202 once ' +
    'confirmed: returns are ignored); the same validation and 202-after-confirm otherwise',
  golevelup:
    'could not provide: a failure for an unroutable order.placed.v1 (it gets a 202 once ' +
    'confirmed: returns are ignored); a bounded wait while the broker is away (a request waits ' +
    'for the buffered publish instead of getting a 503)',
};

const RPC: Notes = {
  ours: 'direct reply-to; requests on a confirm channel with mandatory (an unroutable request fails at once) and a TTL equal to the timeout; handler errors reach the caller as typed errors',
  raw: 'direct reply-to, no confirms on requests or replies, errors answered as a body',
  nest:
    'could not provide: a prompt failure for an unroutable request (returns are ignored: the ' +
    'caller waits for its timeout, which Nest does not have: rxjs timeout() here); an ack for a ' +
    'request the ValidationPipe rejects (it holds a prefetch slot until the connection closes); ' +
    'replies are at-most-once (direct reply-to, acked before the reply, as documented)',
  golevelup:
    'could not provide: handler errors to the caller (an invalid or failing request is nacked and ' +
    'requeued at once, without limit, until it expires; the caller only sees its timeout); a ' +
    'prompt failure for an unroutable request; replies are at-most-once (direct reply-to)',
};

const PIPELINE_DB: Notes = {
  ours:
    'one transaction per event: inbox row (a seen messageId is acked and skipped), the order row ' +
    'under its row lock, the outbox row of order.processed.v1; acked after the commit; the relay ' +
    'publishes committed rows (confirmed, mandatory) and marks them sent, and finds rows a crash ' +
    'left unsent; plus retries, dead-lettering and metrics',
  raw:
    'the same transaction per event (inbox insert, one upsert of the order row, outbox insert), ' +
    'then a confirmed, mandatory publish, the ack, and the outbox row marked sent; nothing else ' +
    '(no relay for rows a crash left unsent, no state machine, retries, dead-lettering, logs)',
};

const NOTES = { 'pipeline-db': PIPELINE_DB, pipeline: PIPELINE, http: HTTP, rpc: RPC };

/** The notes of the given columns (in their order) for a workload, each led by its column's name. */
export function guaranteeNotes(
  workload: keyof typeof NOTES,
  columns: { key: string; label: string }[],
): string[] {
  const notes: Record<string, string | undefined> = NOTES[workload];
  return columns
    .filter(({ key }) => notes[key] !== undefined)
    .map(({ key, label }) => `${label}: ${notes[key]}`);
}
