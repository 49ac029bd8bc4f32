import { createHash } from 'node:crypto';

/**
 * A name-based UUID over SHA-256 in the layout RFC 9562 gives one (Section 5.8, Appendix B.2):
 * version 8, since version 5 means SHA-1 and a name-based UUID with another hash must be a
 * version 8 ("custom") UUID (Section 5.5). It is the first 128 bits of SHA-256(namespace ‖ name)
 * with the version and variant bits set; without a namespace, of SHA-256(name). The same name
 * always gives the same id, so a retried or re-run operation produces the same messageId and
 * consumers can de-duplicate.
 */
export function nameBasedUuid(name: string, namespace?: string): string {
  const hash = createHash('sha256');
  if (namespace !== undefined) {
    hash.update(uuidBytes(namespace));
  }
  const bytes = hash.update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidBytes(uuid: string): Buffer {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) {
    throw new TypeError(`The namespace "${uuid}" is not a UUID`);
  }
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}
