import { Transform } from 'class-transformer';

/** Parses a numeric environment variable, leaving a malformed value as NaN for the validator to name. */
export const ToNumber = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? Number(value) : value,
  );

/** Splits a comma-separated environment variable into trimmed, non-empty entries. */
export const ToList = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '')
      : value,
  );

/** Treats an empty variable (e.g. `API_KEY=` from compose) as unset. */
export const EmptyAsUndefined = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));
