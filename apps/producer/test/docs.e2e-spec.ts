import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { buildAsyncApiDocument, ORDER_LIMITS } from '@app/contracts';
import { PROBLEM_DETAILS_SCHEMA } from '@app/platform/http';
import { TestSystem } from './support/system';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

describe('API docs', () => {
  let system: TestSystem;
  let openApi: OpenAPIV3.Document;

  beforeAll(async () => {
    system = await TestSystem.start({}, { consumer: false });
    const response = await fetch(`${system.producerUrl}/docs-json`);
    expect(response.status).toBe(200);
    openApi = (await response.json()) as OpenAPIV3.Document;
  });

  afterAll(async () => {
    await system?.close();
  });

  const operation = (method: (typeof METHODS)[number], path: string): OpenAPIV3.OperationObject => {
    const found = openApi.paths[path]?.[method];
    if (!found) {
      throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    }
    return found;
  };
  const schema = (name: string): OpenAPIV3.SchemaObject =>
    openApi.components!.schemas![name] as OpenAPIV3.SchemaObject;

  it('serves an OpenAPI document that a validator accepts', async () => {
    // validate() dereferences in place, so it gets a copy.
    const validated = await SwaggerParser.validate(structuredClone(openApi));

    expect((validated as OpenAPIV3.Document).openapi).toMatch(/^3\./);
  });

  const documentedRoutes = () =>
    Object.entries(openApi.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item?.[method]).map(
        (method) => [`${method.toUpperCase()} ${path}`, item![method]!] as const,
      ),
    );

  it('describes every endpoint with every status it answers', () => {
    const documented = Object.fromEntries(
      documentedRoutes().map(([route, op]) => [route, Object.keys(op.responses).sort()]),
    );

    // `default` is the unexpected (a 500); 401 applies once API_KEY is set, 429 with a rate limit.
    const promised = {
      'POST /orders': ['202', '400', '401', '409', '413', '415', '422', '429', '503'],
      'GET /orders/{orderId}': ['200', '400', '401', '404', '429'],
      'POST /orders/{orderId}/cancel': ['202', '400', '401', '413', '415', '429', '503'],
      'POST /quotes': ['200', '400', '401', '413', '415', '429', '502', '503', '504'],
      'GET /metrics': ['200', '401', '429'],
      'GET /health/live': ['200', '503'],
      'GET /health/ready': ['200', '503'],
      'GET /asyncapi.json': ['200', '401'],
    };
    expect(documented).toEqual(
      Object.fromEntries(
        Object.entries(promised).map(([route, statuses]) => [
          route,
          [...statuses, 'default'].sort(),
        ]),
      ),
    );
  });

  it('describes every error as an application/problem+json problem, the health reports aside', () => {
    expect(schema('ProblemDetails')).toEqual(PROBLEM_DETAILS_SCHEMA);
    const notProblems = documentedRoutes().flatMap(([route, op]) =>
      Object.entries(op.responses)
        .filter(([status]) => status === 'default' || Number(status) >= 400)
        .filter(([status]) => !(route.startsWith('GET /health/') && status === '503'))
        .filter(
          ([, response]) =>
            JSON.stringify((response as OpenAPIV3.ResponseObject).content) !==
            JSON.stringify({
              'application/problem+json': {
                schema: { $ref: '#/components/schemas/ProblemDetails' },
              },
            }),
        )
        .map(([status]) => `${route} ${status}`),
    );
    expect(notProblems).toEqual([]);
  });

  it('declares the API-key scheme, required everywhere but on the health probes', () => {
    expect(openApi.components?.securitySchemes?.ApiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(openApi.security).toEqual([{ ApiKey: [] }]);
    expect(operation('get', '/health/live').security).toEqual([]);
    expect(operation('get', '/health/ready').security).toEqual([]);
    expect(operation('post', '/orders').security).toBeUndefined();
  });

  it('describes /metrics and the health probes', () => {
    const metrics = operation('get', '/metrics');
    expect(metrics.summary).toMatch(/Prometheus/);
    expect((metrics.responses['200'] as OpenAPIV3.ResponseObject).content).toHaveProperty(
      'text/plain',
    );
    expect(operation('get', '/health/live').summary).toMatch(/Liveness/);
    expect(operation('get', '/health/ready').description).toMatch(/Terminus/);
  });

  it('documents the Idempotency-Key, X-Request-Id and Retry-After headers', () => {
    const place = operation('post', '/orders');
    const parameters = (place.parameters ?? []).map((p) =>
      '$ref' in p ? p.$ref : `${p.in}:${p.name.toLowerCase()}`,
    );
    expect(parameters.sort()).toEqual([
      '#/components/parameters/RequestId',
      'header:idempotency-key',
    ]);
    expect(place.parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', required: false }),
    );
    expect(openApi.components?.parameters?.RequestId).toMatchObject({
      in: 'header',
      name: 'X-Request-Id',
    });
    expect((place.responses['202'] as OpenAPIV3.ResponseObject).headers).toHaveProperty(
      'X-Request-Id',
    );
    for (const [method, path, status] of [
      ['post', '/orders', '503'],
      ['post', '/orders/{orderId}/cancel', '503'],
      ['post', '/quotes', '503'],
      ['post', '/orders', '409'],
      ['post', '/orders', '429'],
      ['get', '/metrics', '429'],
    ] as const) {
      const answer = operation(method, path).responses[status] as OpenAPIV3.ResponseObject;
      expect([method, path, status, answer.headers]).toEqual([
        method,
        path,
        status,
        expect.objectContaining({ 'Retry-After': expect.any(Object) as unknown }),
      ]);
    }
  });

  it('derives the body schemas from the class-validator decorators that validate them', () => {
    expect(operation('post', '/orders').requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/PlaceOrderDto' } } },
    });
    expect(operation('post', '/orders/{orderId}/cancel').requestBody).toMatchObject({
      required: false,
    });
    expect(schema('PlaceOrderDto')).toMatchObject({
      type: 'object',
      required: ['customerId', 'items', 'currency'],
      additionalProperties: false,
      properties: {
        customerId: { type: 'string', minLength: 1, maxLength: ORDER_LIMITS.maxIdLength },
        items: {
          type: 'array',
          minItems: 1,
          maxItems: ORDER_LIMITS.maxLines,
          items: { $ref: '#/components/schemas/OrderItem' },
        },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
    });
    expect(schema('OrderItem')).toMatchObject({
      required: ['sku', 'quantity', 'unitPrice'],
      additionalProperties: false,
      properties: {
        quantity: { type: 'integer', minimum: 1, maximum: ORDER_LIMITS.maxQuantity },
        unitPrice: { type: 'integer', minimum: 0, maximum: ORDER_LIMITS.maxUnitPrice },
      },
    });
    expect(schema('CancelOrderDto')).toMatchObject({
      properties: { reason: { minLength: 1, maxLength: ORDER_LIMITS.maxReasonLength } },
    });
    expect(schema('CancelOrderDto').required).toBeUndefined();
    expect(schema('OrderQuoteRequest').required).toEqual(['items', 'currency']);
    expect(schema('OrderQuoteReply').required).toEqual([
      'subtotal',
      'discount',
      'tax',
      'shipping',
      'total',
      'currency',
    ]);
    expect(schema('OrderAcceptedDto')).toMatchObject({
      properties: { orderId: { type: 'string', format: 'uuid' } },
    });
  });

  it('serves the Swagger UI with its assets', async () => {
    const page = await fetch(`${system.producerUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui');

    const script = await fetch(`${system.producerUrl}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    await script.arrayBuffer();
  });

  it('serves the AsyncAPI document of the message contracts', async () => {
    const response = await fetch(`${system.producerUrl}/asyncapi.json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(buildAsyncApiDocument())));
  });
});
