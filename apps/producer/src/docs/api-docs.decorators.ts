import { applyDecorators } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiGatewayTimeoutResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';

/** Names of the hand-written OpenAPI schemas that {@link buildOpenApiDocument} adds. */
export const ApiSchemaNames = {
  Error: 'ErrorResponse',
  ValidationError: 'ValidationErrorResponse',
  OrderStatus: 'OrderStatus',
} as const;

/**
 * A `$ref` to a component schema. Classes are referenced by name, since their schemas are generated
 * from their class-validator decorators (see `buildOpenApiDocument`), not by @nestjs/swagger.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class, as @nestjs/swagger types it
export function schemaRef(nameOrClass: string | Function): { $ref: string } {
  const name = typeof nameOrClass === 'string' ? nameOrClass : nameOrClass.name;
  return { $ref: `#/components/schemas/${name}` };
}

const error = schemaRef(ApiSchemaNames.Error);

/**
 * The 400/413/415 answers of every endpoint that takes a JSON body, so each need not repeat them.
 * `also400` describes other 400s; `plain400` when some of them carry no `errors` list.
 */
export function ApiJsonBodyErrors(also400 = '', { plain400 = false } = {}): MethodDecorator {
  const validation = schemaRef(ApiSchemaNames.ValidationError);
  return applyDecorators(
    ApiBadRequestResponse({
      description:
        'Invalid body: `errors` names every wrong field with its dotted path; unknown fields are rejected.' +
        (also400 ? ` Also ${also400}` : ''),
      schema: plain400 ? { anyOf: [validation, error] } : validation,
    }),
    ApiPayloadTooLargeResponse({
      description: 'The body is larger than BODY_LIMIT_BYTES (100 kB by default).',
      schema: error,
    }),
    ApiUnsupportedMediaTypeResponse({
      description: 'A content type other than application/json.',
      schema: error,
    }),
  );
}

/** The 503 of anything that publishes: the caller should retry after `Retry-After` seconds. */
export function ApiBrokerUnavailable(): MethodDecorator {
  return ApiServiceUnavailableResponse({
    description:
      'The broker was unreachable for PUBLISH_TIMEOUT_MS (2 s by default), refused the message, or no queue ' +
      'is bound for it (the consumer never started). Retry after `Retry-After` seconds.',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        schema: { type: 'integer', minimum: 0 },
      },
    },
    schema: error,
  });
}

/** The answers of a request/response round trip that did not produce a reply. */
export function ApiRemoteErrors(): MethodDecorator {
  return applyDecorators(
    ApiBadGatewayResponse({
      description: "The consumer's handler failed for another reason than invalid input.",
      schema: error,
    }),
    ApiGatewayTimeoutResponse({
      description: 'No reply within REQUEST_TIMEOUT_MS (5 s by default); quotes are safe to retry.',
      schema: error,
    }),
  );
}
