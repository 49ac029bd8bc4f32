/**
 * AMQP field tables (message headers) as amqplib encodes them. amqplib decodes some values it
 * cannot encode again — a double such as -1e300 or 2^50 + 0.5 comes back as a JS number that its
 * encoder then takes for a 64-bit integer, NaN and Infinity likewise — and its encoder writes into a
 * 64 KiB scratch buffer, while a broker accepts larger header tables from other clients. Copying a
 * delivery's headers into a new publish (a retry, a dead letter, a replay) must therefore check
 * them first: a publish that throws while encoding could never succeed, however often it is tried.
 */

/** Bytes of encoded headers a copy may carry: amqplib's scratch buffer, less room for the rest. */
export const MAX_HEADER_TABLE_BYTES = 60 * 1024;

/** Types amqplib encodes from its `{ '!': type, value }` form, with their encoded size. */
const TYPED_SIZES: Record<string, number> = {
  timestamp: 9,
  decimal: 6,
  float: 5,
  double: 9,
  float64: 9,
  byte: 2,
  int8: 2,
  unsignedbyte: 2,
  uint8: 2,
  short: 3,
  int16: 3,
  unsignedshort: 3,
  uint16: 3,
  int: 5,
  int32: 5,
  unsignedint: 5,
  uint32: 5,
  long: 9,
  int64: 9,
};

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

/** Thrown for a value amqplib would fail to encode; says why in words an operator can act on. */
class UnencodableValue extends Error {}

/** Encoded size of a number as amqplib would write it, or a throw where amqplib would throw. */
function numberSize(value: number): number {
  // amqplib's own test: magnitudes from 2^50 up are written as 64-bit integers, unless >= 2^63.
  const floating =
    value >= INT64_LIMIT || (Math.abs(value) < 2 ** 50 && Math.floor(value) !== value);
  if (floating) {
    return 9;
  }
  if (!Number.isInteger(value) || value < INT64_MIN) {
    throw new UnencodableValue(`the number ${String(value)} cannot be written as an AMQP integer`);
  }
  if (value >= -128 && value < 128) {
    return 2;
  }
  if (value >= -0x8000 && value < 0x8000) {
    return 3;
  }
  return value >= -0x80000000 && value < 0x80000000 ? 5 : 9;
}

function typedSize(type: unknown, value: unknown): number {
  const size = typeof type === 'string' ? TYPED_SIZES[type] : undefined;
  if (size === undefined) {
    throw new UnencodableValue(`the type ${String(type)} is not an AMQP field type`);
  }
  const integerTypes = ['timestamp', 'long', 'int64'];
  if (integerTypes.includes(type as string)) {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new UnencodableValue(`the ${String(type)} ${String(value)} is not an integer`);
    }
    if (type === 'timestamp' && (value < 0 || value >= 2 ** 64)) {
      throw new UnencodableValue(`the timestamp ${String(value)} is out of range`);
    }
  } else if (type === 'decimal') {
    const { places, digits } = (value ?? {}) as { places?: unknown; digits?: unknown };
    if (typeof places !== 'number' || places < 0 || places > 255 || typeof digits !== 'number') {
      throw new UnencodableValue('the decimal is not { places: 0..255, digits }');
    }
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new UnencodableValue(`the ${String(type)} ${String(value)} is not a finite number`);
  }
  return size;
}

/** Encoded size of one field value (type tag included), or a throw where amqplib would throw. */
export function fieldValueSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 5 + Buffer.byteLength(value, 'utf8');
    case 'boolean':
      return 2;
    case 'number':
      return numberSize(value);
    case 'object': {
      if (value === null) {
        return 1;
      }
      if (Array.isArray(value)) {
        return 5 + value.reduce<number>((sum, element) => sum + fieldValueSize(element), 0);
      }
      if (Buffer.isBuffer(value)) {
        return 5 + value.length;
      }
      if (Object.hasOwn(value, '!')) {
        const typed = value as { '!': unknown; value?: unknown };
        return typedSize(typed['!'], typed.value);
      }
      return 1 + fieldTableSize(value as Record<string, unknown>);
    }
    default:
      throw new UnencodableValue(`a ${typeof value} is not an AMQP field value`);
  }
}

/** Encoded size of a field table, or a throw where amqplib would throw. */
export function fieldTableSize(table: Record<string, unknown>): number {
  let size = 4;
  for (const key in table) {
    const value = table[key];
    if (value === undefined) {
      continue;
    }
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes > 255) {
      throw new UnencodableValue('a header name is longer than 255 bytes');
    }
    size += 1 + keyBytes + fieldValueSize(value);
  }
  return size;
}

/** A header that had to be replaced to make the copy publishable, and why. */
export interface ReplacedHeader {
  name: string;
  reason: string;
}

/** The headers of a copy, safe to publish, and what was replaced to make them so. */
export interface SanitizedHeaders {
  headers: Record<string, unknown>;
  replaced: ReplacedHeader[];
}

/** A readable stand-in for a value that cannot be sent: its text, cut to a sensible length. */
export function readableForm(value: unknown): string {
  let text: string;
  if (typeof value === 'number' || typeof value === 'bigint') {
    text = String(value);
  } else {
    try {
      text = JSON.stringify(value, (_key, v: unknown) =>
        typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v)) ? String(v) : v,
      );
    } catch {
      text = String(value);
    }
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Makes a header table publishable by amqplib: each top-level value that cannot be encoded is
 * replaced by its readable form, and if the table is still larger than `maxBytes`, the largest
 * values are replaced by a short note until it fits. Values of `protectedNames` (the reasons this
 * layer adds) are never removed for size. The caller records `replaced` on the copy, so a dead letter
 * says what it lost.
 */
export function sanitizeHeaders(
  headers: Record<string, unknown>,
  protectedNames: ReadonlySet<string> = new Set(),
  maxBytes = MAX_HEADER_TABLE_BYTES,
): SanitizedHeaders {
  const result: Record<string, unknown> = {};
  const replaced: ReplacedHeader[] = [];
  const sizes = new Map<string, number>();
  let total = 4;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) {
      continue;
    }
    let kept = value;
    let size: number;
    try {
      if (Buffer.byteLength(name, 'utf8') > 255) {
        continue;
      }
      size = fieldValueSize(value);
    } catch (error) {
      kept = readableForm(value);
      size = fieldValueSize(kept);
      replaced.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
    result[name] = kept;
    sizes.set(name, size);
    total += 1 + Buffer.byteLength(name, 'utf8') + size;
  }
  if (total > maxBytes) {
    const largestFirst = [...sizes.entries()]
      .filter(([name]) => !protectedNames.has(name))
      .sort(([, a], [, b]) => b - a);
    for (const [name, size] of largestFirst) {
      if (total <= maxBytes) {
        break;
      }
      const note = `[removed: ${size} bytes; the headers were larger than ${maxBytes} bytes]`;
      result[name] = note;
      total += fieldValueSize(note) - size;
      replaced.push({ name, reason: `removed for size (${size} bytes)` });
    }
  }
  return { headers: result, replaced };
}
