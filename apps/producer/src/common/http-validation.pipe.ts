import type { ValidationError, ValidationPipeOptions } from '@nestjs/common';
import { FastValidationPipe } from '@app/platform';
import { ValidationFailedException } from '@app/platform/http';

/** Nest's ValidationPipe options the HTTP bodies are validated with (the compiled path matches them). */
export const HTTP_VALIDATION_OPTIONS = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors: ValidationError[]) => ValidationFailedException.from(errors),
} satisfies ValidationPipeOptions;

/**
 * Validates request bodies strictly: unknown fields are rejected, and the 400 (a validation-failed
 * problem) lists the wrong fields with their dotted paths (`items.0.quantity`): the first 20, and
 * `omittedErrors` counts the rest.
 */
export class HttpValidationPipe extends FastValidationPipe {
  constructor() {
    super(HTTP_VALIDATION_OPTIONS);
  }
}
