import { isUUID } from 'class-validator';
import { nameBasedUuid } from './name-based-uuid';

describe(nameBasedUuid.name, () => {
  it('is stable for a name and differs between names', () => {
    expect(nameBasedUuid('a')).toBe(nameBasedUuid('a'));
    expect(nameBasedUuid('a')).not.toBe(nameBasedUuid('b'));
  });

  it('is a well-formed version 5 UUID', () => {
    expect(isUUID(nameBasedUuid('order-1'), '5')).toBe(true);
  });
});
