import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { reportedFieldErrors, type FieldError } from '../../validation/field-errors';

/**
 * A 400 naming the wrong fields, answered as a `validation-failed` problem with `errors` (and
 * `omittedErrors`). Validation pipes make it with {@link ValidationFailedException.from}.
 */
export class ValidationFailedException extends BadRequestException {
  constructor(
    readonly fields: FieldError[],
    readonly omitted = 0,
  ) {
    super('Validation failed');
  }

  /** From class-validator's errors: dotted paths, the first MAX_REPORTED_ERRORS and a count. */
  static from(errors: ValidationError[]): ValidationFailedException {
    const { fields, omitted } = reportedFieldErrors(errors);
    return new ValidationFailedException(fields, omitted);
  }
}

/** A JSON body this API refuses although it parses (e.g. nested too deeply): an `invalid-json` 400. */
export class InvalidJsonBodyError extends Error {
  override readonly name = 'InvalidJsonBodyError';
}
