import type { ValidationError } from 'class-validator';
import { MAX_REPORTED_ERRORS } from './size-guard';

/** One invalid field of a payload or body, with the rules it broke. */
export interface FieldError {
  /** Dotted path, e.g. `items.0.quantity`. */
  field: string;
  errors: string[];
}

/** Flattens class-validator's tree of errors into one entry per invalid field path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * The field errors an answer lists: the first MAX_REPORTED_ERRORS, and how many more there were, so
 * an error answer stays small however many fields are wrong.
 */
export function reportedFieldErrors(errors: ValidationError[]): {
  fields: FieldError[];
  omitted: number;
} {
  const all = flattenValidationErrors(errors);
  return {
    fields: all.slice(0, MAX_REPORTED_ERRORS),
    omitted: Math.max(0, all.length - MAX_REPORTED_ERRORS),
  };
}
