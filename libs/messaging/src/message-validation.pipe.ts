import { FastValidationPipe } from '@app/platform';
import { PayloadValidationError } from './messaging.errors';

/**
 * Validates message payloads against their contract class. Unknown fields are stripped rather than
 * rejected (a tolerant reader), so producers can add optional fields without breaking consumers; a
 * failure is a PayloadValidationError, which is never retried.
 */
export class MessageValidationPipe extends FastValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => PayloadValidationError.fromValidationErrors(errors),
    });
  }
}
