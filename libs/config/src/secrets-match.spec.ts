import { secretsMatch } from './secrets-match';

const SECRET = 'token-0123456789abcdef';

describe(secretsMatch.name, () => {
  it('accepts the same secret', () => {
    expect(secretsMatch(SECRET, SECRET)).toBe(true);
  });

  it('rejects a different secret of the same length', () => {
    expect(secretsMatch(SECRET.replace(/.$/, 'X'), SECRET)).toBe(false);
  });

  it('rejects prefixes, extensions and the empty string without throwing on the length difference', () => {
    expect(secretsMatch(SECRET.slice(0, 10), SECRET)).toBe(false);
    expect(secretsMatch(`${SECRET}x`, SECRET)).toBe(false);
    expect(secretsMatch('', SECRET)).toBe(false);
  });

  it('compares bytes, not look-alike characters', () => {
    expect(secretsMatch('tokén-0123456789', 'token-0123456789')).toBe(false);
  });
});
