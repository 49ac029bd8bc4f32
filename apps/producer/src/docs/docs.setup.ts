import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { buildAsyncApiDocument } from '@app/contracts';
import { ASYNCAPI_PATH, buildOpenApiDocument, DOCS_PATH } from './openapi';

/**
 * Serves the API docs: Swagger UI at `/docs`, its OpenAPI JSON at `/docs-json`, and the AsyncAPI
 * document of the message contracts at `/asyncapi.json`. Call it after the app is created and
 * before `init()`/`listen()`, so the routes are registered with the others.
 */
export function setupDocs(app: NestFastifyApplication): void {
  // Built on the first request, then kept: start-up does not pay for it.
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    raw: ['json'],
    customSiteTitle: 'Orders producer API',
  });
  let asyncApi: string | undefined;
  app.getHttpAdapter().get(ASYNCAPI_PATH, (_request: unknown, reply: AsyncApiReply) => {
    asyncApi ??= JSON.stringify(buildAsyncApiDocument());
    void reply.type('application/json').send(asyncApi);
  });
}

interface AsyncApiReply {
  type(contentType: string): AsyncApiReply;
  send(body: string): unknown;
}
