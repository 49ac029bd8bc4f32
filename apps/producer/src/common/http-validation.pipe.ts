import { BadRequestException } from '@nestjs/common';
import { FastValidationPipe, reportedFieldErrors } from '@app/platform';

/**
 * Validates request bodies strictly: unknown fields are rejected, and the 400 lists the wrong
 * fields with their dotted paths (`items.0.quantity`): the first 20, and `omittedErrors` counts
 * the rest.
 */
export class HttpValidationPipe extends FastValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const { fields, omitted } = reportedFieldErrors(errors);
        return new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          errors: fields,
          ...(omitted > 0 ? { omittedErrors: omitted } : {}),
        });
      },
    });
  }
}
