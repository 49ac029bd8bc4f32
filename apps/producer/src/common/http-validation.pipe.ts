import { BadRequestException } from '@nestjs/common';
import { FastValidationPipe, flattenValidationErrors } from '@app/messaging';

/**
 * Validates request bodies strictly: unknown fields are rejected, and the 400 lists every wrong
 * field with its dotted path (`items.0.quantity`).
 */
export class HttpValidationPipe extends FastValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) =>
        new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          errors: flattenValidationErrors(errors),
        }),
    });
  }
}
