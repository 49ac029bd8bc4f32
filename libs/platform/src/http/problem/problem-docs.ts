import {
  ApiResponse,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { REQUEST_ID_HEADER } from '../correlation/request-id';
import { PROBLEM_CONTENT_TYPE, PROBLEM_DETAILS_SCHEMA } from './problem-details';

/** Name of the problem schema among the OpenAPI components. */
export const PROBLEM_SCHEMA_NAME = 'ProblemDetails';

/** `$ref` to the problem schema. */
export const PROBLEM_SCHEMA_REF = { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` };

const REQUEST_ID = 'X-Request-Id';

/** The `Retry-After` header of a response, as documented. */
export const RETRY_AFTER_HEADER_DOCS = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 0 },
  },
};

/**
 * Documents an error answer of a route: its status, when it happens, and the problem schema (as
 * `application/problem+json` once {@link completeProblemDocs} ran); `retryAfter` adds that header,
 * `headers` others.
 */
export function ApiProblemResponse(
  status: number,
  description: string,
  {
    retryAfter = false,
    headers = {},
  }: { retryAfter?: boolean; headers?: NonNullable<ResponseObject['headers']> } = {},
): MethodDecorator & ClassDecorator {
  const all = { ...(retryAfter ? RETRY_AFTER_HEADER_DOCS : {}), ...headers };
  return ApiResponse({
    status,
    description,
    schema: PROBLEM_SCHEMA_REF,
    ...(Object.keys(all).length > 0 ? { headers: all } : {}),
  });
}

/** Every operation of a path item. */
export function operationsOf(item: PathItemObject): OperationObject[] {
  return [item.get, item.put, item.post, item.delete, item.patch, item.head, item.options].filter(
    (operation): operation is OperationObject => operation !== undefined,
  );
}

/**
 * What every operation of an app that uses {@link useProblemDetails} shares, added to a scanned
 * document: the problem schema; error responses that use it served as `application/problem+json`;
 * a `default` response for the unexpected (a 500); and `X-Request-Id`, which every request may
 * send and every response carries.
 */
export function completeProblemDocs(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of operationsOf(item)) {
      operation.parameters = [
        ...(operation.parameters ?? []),
        { $ref: '#/components/parameters/RequestId' },
      ];
      operation.responses.default ??= {
        description:
          'Anything unexpected: a 500 that reveals nothing and is logged with the request id.',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_SCHEMA_REF } },
      };
      for (const response of Object.values(operation.responses)) {
        if (!response || '$ref' in response) {
          continue;
        }
        asProblemContent(response);
        response.headers = {
          ...response.headers,
          [REQUEST_ID]: { $ref: '#/components/headers/RequestId' },
        };
      }
    }
  }
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      [PROBLEM_SCHEMA_NAME]: PROBLEM_DETAILS_SCHEMA as unknown as SchemaObject,
    },
    parameters: {
      ...document.components?.parameters,
      RequestId: {
        name: REQUEST_ID,
        in: 'header',
        required: false,
        description:
          'Your id for the request: 1-128 letters, digits or `_.:-` (anything else is replaced by a UUID).',
        schema: { type: 'string', maxLength: 128 },
      },
    },
    headers: {
      ...document.components?.headers,
      RequestId: {
        description: `The request's ${REQUEST_ID} (\`${REQUEST_ID_HEADER}\`): yours, or a generated UUID.`,
        schema: { type: 'string' },
      },
    },
  };
  return document;
}

/** A response whose JSON body is a problem is served as `application/problem+json`. */
function asProblemContent(response: ResponseObject): void {
  const json = response.content?.['application/json'];
  const schema = json?.schema as { $ref?: string } | undefined;
  if (json && schema?.$ref === PROBLEM_SCHEMA_REF.$ref) {
    const content: NonNullable<ResponseObject['content']> = {
      [PROBLEM_CONTENT_TYPE]: json,
      ...response.content,
    };
    delete content['application/json'];
    response.content = content;
  }
}
