import { isUUID } from 'class-validator';
import { nameBasedUuid } from './name-based-uuid';

/** RFC 9562's namespace for domain names (its Section 6.6). */
const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe(nameBasedUuid.name, () => {
  it('matches the SHA-256 name-based example of RFC 9562 (Appendix B.2)', () => {
    expect(nameBasedUuid('www.example.com', DNS_NAMESPACE)).toBe(
      '5c146b14-3c52-8afd-938a-375d0df1fbf6',
    );
  });

  it('is stable for a name and differs between names and namespaces', () => {
    expect(nameBasedUuid('a')).toBe(nameBasedUuid('a'));
    expect(nameBasedUuid('a')).not.toBe(nameBasedUuid('b'));
    expect(nameBasedUuid('a', DNS_NAMESPACE)).not.toBe(nameBasedUuid('a'));
  });

  it('keeps the ids it derives (order ids, follow-up messageIds) from one release to the next', () => {
    // A change here changes every derived id once: idempotency keys in flight get new ids.
    expect(nameBasedUuid('order-1')).toBe('0bafe221-56d2-898c-943b-86040446d366');
  });

  it('is a well-formed version 8 UUID with the RFC variant, not a version 5 one', () => {
    for (const name of ['order-1', '', 'é\n🦁', 'x'.repeat(10_000)]) {
      const id = nameBasedUuid(name);
      expect(isUUID(id, '8')).toBe(true);
      expect(isUUID(id, '5')).toBe(false);
      expect(id[14]).toBe('8');
      expect('89ab').toContain(id[19]);
    }
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => nameBasedUuid('a', 'dns')).toThrow(TypeError);
  });
});
