import { createHash, randomUUID } from 'node:crypto';

/**
 * The order id: random, or derived from the customer and Idempotency-Key (a name-based UUID), so a
 * retried request yields the same id and the same messageId even if the first attempt's answer
 * was lost, letting the consumer drop the duplicate.
 */
export function orderIdFor(customerId: string, idempotencyKey?: string): string {
  if (idempotencyKey === undefined) {
    return randomUUID();
  }
  const bytes = createHash('sha256').update(`${customerId}\n${idempotencyKey}`).digest();
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
