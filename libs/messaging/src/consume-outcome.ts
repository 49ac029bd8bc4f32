/**
 * What happened to one delivery; reported to listeners (logs, metrics, tests). `requeued`: it could
 * not be settled (its channel closed, or the service is shutting down) and the broker delivers it
 * again.
 */
export type ConsumeOutcome =
  'acked' | 'retried' | 'dead-lettered' | 'duplicate' | 'replied' | 'requeued';

/** Observes every delivery's outcome. */
export type ConsumeListener = (event: {
  pattern: string;
  outcome: ConsumeOutcome;
  messageId?: string;
  durationMs: number;
  error?: unknown;
}) => void;
