/** How often and how late a transiently failing event is tried again before it is dead-lettered. */
export interface RetryPolicy {
  /** Total deliveries including the first; 1 disables retries. */
  maxAttempts: number;
  initialDelayMs: number;
  multiplier: number;
}

/** The delay before retry number `retry` (1-based): exponential, rounded to whole milliseconds. */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  return Math.round(policy.initialDelayMs * policy.multiplier ** (retry - 1));
}

/** Every distinct delay the policy uses, one delay queue each. */
export function retryDelays(policy: RetryPolicy): number[] {
  const delays = Array.from({ length: Math.max(0, policy.maxAttempts - 1) }, (_, i) =>
    retryDelayMs(policy, i + 1),
  );
  return [...new Set(delays)];
}
