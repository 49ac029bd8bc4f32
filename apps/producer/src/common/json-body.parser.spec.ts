import { jsonDepth } from './json-body.parser';

describe(jsonDepth.name, () => {
  it.each([
    [1, 0],
    ['x', 0],
    [{}, 1],
    [{ a: [1, { b: 2 }] }, 3],
  ])('measures %j as %i', (value, depth) => {
    expect(jsonDepth(value)).toBe(depth);
  });

  it('does not overflow the stack on very deep input', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(jsonDepth(deep)).toBe(100_000);
  });
});
