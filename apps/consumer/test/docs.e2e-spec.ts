import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { PROBLEM_DETAILS_SCHEMA } from '@app/platform/http';
import { isolatedBrokerEnv, uniqueName } from '@app/testing';
import { ConsumerConfig, createConsumerApp } from '@apps/consumer';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const PROBLEM_CONTENT = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } },
};

/** The consumer's OpenAPI document of its HTTP port: the dead-letter admin API, health, metrics. */
describe('Consumer API docs', () => {
  let app: NestFastifyApplication | undefined;
  let baseUrl = '';
  let openApi: OpenAPIV3.Document;

  beforeAll(async () => {
    // The HTTP port alone: the docs need no broker.
    app = await createConsumerApp(
      ConsumerConfig.fromEnv({
        ...isolatedBrokerEnv('docs'),
        RABBITMQ_QUEUE: uniqueName('consumer-docs'),
        ADMIN_TOKEN: 'consumer-docs-admin-token',
      }),
    );
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const response = await fetch(`${baseUrl}/docs-json`);
    expect(response.status).toBe(200);
    openApi = (await response.json()) as OpenAPIV3.Document;
  });

  afterAll(async () => {
    await app?.close();
  });

  const operation = (method: (typeof METHODS)[number], path: string): OpenAPIV3.OperationObject => {
    const found = openApi.paths[path]?.[method];
    if (!found) {
      throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    }
    return found;
  };
  const routes = () =>
    Object.entries(openApi.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item?.[method]).map(
        (method) => [`${method.toUpperCase()} ${path}`, item![method]!] as const,
      ),
    );

  it('serves an OpenAPI document that a validator accepts', async () => {
    // validate() dereferences in place, so it gets a copy.
    const validated = await SwaggerParser.validate(structuredClone(openApi));

    expect((validated as OpenAPIV3.Document).openapi).toMatch(/^3\./);
  });

  it('describes every route with every status it answers', () => {
    const documented = Object.fromEntries(
      routes().map(([route, op]) => [route, Object.keys(op.responses).sort()]),
    );

    const promised = {
      'GET /admin/dead-letters': ['200', '400', '401', '503'],
      'DELETE /admin/dead-letters': ['200', '400', '401', '503'],
      'POST /admin/dead-letters/replay': ['200', '401', '503'],
      'GET /admin/dead-letters/{messageId}': ['200', '400', '401', '404', '503'],
      'POST /admin/dead-letters/{messageId}/replay': ['200', '400', '401', '404', '503'],
      'DELETE /admin/dead-letters/{messageId}': ['200', '400', '401', '404', '503'],
      'GET /metrics': ['200'],
      'GET /health/live': ['200', '503'],
      'GET /health/ready': ['200', '503'],
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
    expect(openApi.components?.schemas?.ProblemDetails).toEqual(PROBLEM_DETAILS_SCHEMA);
    const notProblems = routes().flatMap(([route, op]) =>
      Object.entries(op.responses)
        .filter(([status]) => status === 'default' || Number(status) >= 400)
        .filter(([status]) => !(route.startsWith('GET /health/') && status === '503'))
        .filter(
          ([, response]) =>
            JSON.stringify((response as OpenAPIV3.ResponseObject).content) !==
            JSON.stringify(PROBLEM_CONTENT),
        )
        .map(([status]) => `${route} ${status}`),
    );
    expect(notProblems).toEqual([]);
  });

  it('puts the admin API behind the bearer scheme, and only the admin API', () => {
    expect(openApi.components?.securitySchemes?.AdminToken).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.stringContaining('ADMIN_TOKEN') as unknown,
    });
    for (const [route, op] of routes()) {
      expect([route, op.security]).toEqual([
        route,
        route.includes(' /admin/') ? [{ AdminToken: [] }] : undefined,
      ]);
    }
    const unauthorized = operation('get', '/admin/dead-letters').responses[
      '401'
    ] as OpenAPIV3.ResponseObject;
    expect(unauthorized.headers).toHaveProperty('WWW-Authenticate');
  });

  it("requires the purge's ?confirm=purge", () => {
    expect(operation('delete', '/admin/dead-letters').parameters).toContainEqual(
      expect.objectContaining({
        name: 'confirm',
        in: 'query',
        required: true,
        schema: { type: 'string', enum: ['purge'] },
      }),
    );
  });

  it('documents the paging parameters, the path parameter and the response bodies', () => {
    const list = operation('get', '/admin/dead-letters');
    expect(list.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'limit', in: 'query', required: false }),
        expect.objectContaining({ name: 'offset', in: 'query', required: false }),
      ]),
    );
    expect(operation('get', '/admin/dead-letters/{messageId}').parameters).toContainEqual(
      expect.objectContaining({ name: 'messageId', in: 'path', required: true }),
    );
    expect((list.responses['200'] as OpenAPIV3.ResponseObject).content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/DeadLetterPage' } },
    });
    expect(
      (operation('post', '/admin/dead-letters/replay').responses['503'] as OpenAPIV3.ResponseObject)
        .headers,
    ).toHaveProperty('Retry-After');
  });

  it('serves the Swagger UI with the same security headers and CSP as the producer', async () => {
    const page = await fetch(`${baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).not.toContain('upgrade-insecure-requests');

    const script = await fetch(`${baseUrl}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    await script.arrayBuffer();
  });
});
