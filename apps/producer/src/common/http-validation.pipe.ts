import { FastValidationPipe } from '@app/platform';
import { ValidationFailedException } from '@app/platform/http';

/**
 * Validates request bodies strictly: unknown fields are rejected, and the 400 (a validation-failed
 * problem) lists the wrong fields with their dotted paths (`items.0.quantity`): the first 20, and
 * `omittedErrors` counts the rest.
 */
export class HttpValidationPipe extends FastValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => ValidationFailedException.from(errors),
    });
  }
}
