import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret (API key, admin token) with the configured one in constant time.
 * Both are hashed first, so `timingSafeEqual` always gets two equal-length buffers and neither the
 * time taken nor an early length check reveals how much of the secret, or how long one, was right.
 */
export function secretsMatch(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
