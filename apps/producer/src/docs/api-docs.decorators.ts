import { applyDecorators } from '@nestjs/common';
import { ApiProblemResponse, PROBLEM_SCHEMA_NAME } from '@app/platform/http';

/** Documents one error status of a route (a problem-details answer); see the helpers below. */
export { ApiProblemResponse };

/** Names of the hand-written OpenAPI schemas that {@link buildOpenApiDocument} adds. */
export const ApiSchemaNames = {
  /** Every error answer: RFC 9457 problem details (`application/problem+json`). */
  Error: PROBLEM_SCHEMA_NAME,
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

/**
 * The 400/413/415 answers of every endpoint that takes a JSON body, so each need not repeat them.
 * `also400` describes other 400s.
 */
export function ApiJsonBodyErrors(also400 = ''): MethodDecorator {
  return applyDecorators(
    ApiProblemResponse(
      400,
      'Invalid body: a `validation-failed` problem whose `errors` names every wrong field with its dotted ' +
        'path (unknown fields are rejected), or an `invalid-json` problem for a body that is not JSON, ' +
        `is nested deeper than 32 levels or has a \`__proto__\` key.${also400 ? ` Also ${also400}` : ''}`,
    ),
    ApiProblemResponse(413, 'The body is larger than BODY_LIMIT_BYTES (100 kB by default).'),
    ApiProblemResponse(415, 'A content type other than application/json.'),
  );
}

/** The 503 of anything that publishes: the caller should retry after `Retry-After` seconds. */
export function ApiBrokerUnavailable(): MethodDecorator {
  return ApiProblemResponse(
    503,
    'A `service-unavailable` problem: the broker was unreachable for PUBLISH_TIMEOUT_MS (2 s by default), ' +
      'refused the message, or no queue is bound for it (the consumer never started). Nothing was ' +
      'published; retry after `Retry-After` seconds.',
    { retryAfter: true },
  );
}

/** The answers of a request/response round trip that did not produce a reply. */
export function ApiRemoteErrors(): MethodDecorator {
  return applyDecorators(
    ApiProblemResponse(
      502,
      "An `upstream-failed` problem: the consumer's handler failed for another reason than invalid input.",
    ),
    ApiProblemResponse(
      504,
      'An `upstream-timeout` problem: no reply within REQUEST_TIMEOUT_MS (5 s by default); quotes are ' +
        'safe to retry.',
    ),
  );
}
