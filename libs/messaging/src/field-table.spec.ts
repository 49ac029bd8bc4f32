import { fieldTableSize, sanitizeHeaders } from './field-table';

/** amqplib's own encoder, reached the way the channel reaches it: the truth the sizes must match. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const codec = require(require.resolve('amqplib').replace(/channel_api\.js$/, 'lib/codec.js')) as {
  encodeTable(buffer: Buffer, value: Record<string, unknown>, offset: number): number;
};

function amqplibEncodes(table: Record<string, unknown>): number {
  return codec.encodeTable(Buffer.alloc(256 * 1024), table, 0);
}

describe(sanitizeHeaders.name, () => {
  const encodable: Record<string, unknown>[] = [
    { text: 'é', n: 1, big: 2 ** 40, neg: -5_000_000_000, f: 1.5, flag: true, none: null },
    { huge: 2 ** 63, tiny: 1e-300 },
    { list: [1, 'a', [true], { nested: 'x' }], bytes: Buffer.from('abc') },
    {
      ts: { '!': 'timestamp', value: 1_796_000_000 },
      dec: { '!': 'decimal', value: { places: 2, digits: 1999 } },
    },
  ];

  it.each(encodable)(
    'keeps what amqplib can encode, and sizes it as amqplib does (%#)',
    (headers) => {
      const { headers: kept, replaced } = sanitizeHeaders(headers);
      expect(replaced).toEqual([]);
      expect(kept).toEqual(headers);
      expect(fieldTableSize(kept)).toBe(amqplibEncodes(kept));
    },
  );

  const unencodable: [string, unknown][] = [
    ['a large negative double', -1e300],
    ['a fractional number above 2^50', 1_125_899_906_842_624.5],
    ['NaN', Number.NaN],
    ['minus Infinity', Number.NEGATIVE_INFINITY],
    ['a nested bad number', { inner: [-1e300] }],
    ['an unknown typed value', { '!': 'nonsense', value: 1 }],
    ['a bigint', 10n],
  ];

  it.each(unencodable)('replaces %s that amqplib cannot encode, and names it', (_label, value) => {
    expect(() => amqplibEncodes({ bad: value })).toThrow();

    const { headers, replaced } = sanitizeHeaders({ bad: value, good: 'kept' });

    expect(headers.good).toBe('kept');
    expect(typeof headers.bad).toBe('string');
    expect(replaced).toEqual([{ name: 'bad', reason: expect.any(String) as string }]);
    expect(() => amqplibEncodes(headers)).not.toThrow();
  });

  it('shrinks a table larger than the limit, largest values first, never the protected ones', () => {
    const headers = {
      'x-error-message': 'x'.repeat(900),
      big: 'b'.repeat(50_000),
      medium: 'm'.repeat(20_000),
      small: 's',
    };

    const result = sanitizeHeaders(headers, new Set(['x-error-message']), 40_000);

    expect(result.replaced.map((r) => r.name)).toEqual(['big']);
    expect(result.headers['x-error-message']).toBe(headers['x-error-message']);
    expect(result.headers.medium).toBe(headers.medium);
    expect(fieldTableSize(result.headers)).toBeLessThanOrEqual(40_000);
  });
});
