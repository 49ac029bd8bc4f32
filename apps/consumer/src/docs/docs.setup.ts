import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { ConsumerConfig } from '../config/consumer.config';
import { buildOpenApiDocument, DOCS_PATH } from './openapi';

/**
 * Serves the consumer's API docs: Swagger UI at `/docs`, its OpenAPI JSON at `/docs-json`, under
 * the same security headers (and CSP) as the producer's. Like /health and /metrics they need no
 * token: they reveal no secret, and list the admin API only when it is enabled. Call it before
 * `init()`/`listen()`.
 */
export function setupDocs(app: NestFastifyApplication, config: ConsumerConfig): void {
  const adminEnabled = config.env.ADMIN_TOKEN !== undefined;
  // Built on the first request, then kept: start-up does not pay for it.
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, { adminEnabled }), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    raw: ['json'],
    customSiteTitle: 'Orders consumer API',
  });
}
