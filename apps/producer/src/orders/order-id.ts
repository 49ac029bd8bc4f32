import { randomUUID } from 'node:crypto';
import { nameBasedUuid } from '@app/platform';

/**
 * The order id: random, or derived from the customer and Idempotency-Key, so a retried request
 * yields the same id (and messageId) even if the first attempt's answer was lost, letting the
 * consumer drop the duplicate.
 */
export function orderIdFor(customerId: string, idempotencyKey?: string): string {
  return idempotencyKey === undefined
    ? randomUUID()
    : nameBasedUuid(`order\n${customerId}\n${idempotencyKey}`);
}
