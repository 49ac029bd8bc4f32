import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { completeProblemDocs } from '@app/platform/http';
import { ADMIN_TOKEN_SCHEME } from '../dead-letters/admin-token.guard';
import { DEAD_LETTER_SCHEMAS } from '../dead-letters/dto/dead-letter.schemas';

/** Where the docs are served; the JSON of the Swagger UI is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';

const ADMIN_PATHS = '/admin/';

/**
 * The consumer's OpenAPI document: its HTTP port's health, metrics and, when enabled (ADMIN_TOKEN
 * set), the dead-letter admin API. Without ADMIN_TOKEN the admin routes answer 404 as if they did
 * not exist, and the document does not list them either.
 */
export function buildOpenApiDocument(
  app: INestApplication,
  { adminEnabled }: { adminEnabled: boolean },
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Orders consumer')
    .setDescription(
      'The HTTP port of the consumer, which handles the order messages over RabbitMQ: health probes, ' +
        'Prometheus metrics and the dead-letter admin API (`npm run dlq` is its command-line client). ' +
        'Every response carries X-Request-Id. Every error is an RFC 9457 problem ' +
        '(`application/problem+json`, schema `ProblemDetails`) except the 503 of /health/ready, a ' +
        'Terminus health report.',
    )
    .setVersion('1.0.0')
    .addTag('dead-letters', 'See why messages failed, then replay or delete them')
    .addTag('health', 'Probes for orchestrators')
    .addTag('metrics', 'Prometheus scraping')
    // Not addBearerAuth(), which declares a JWT: the token is an opaque shared secret.
    .addSecurity(ADMIN_TOKEN_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description:
        "The consumer's ADMIN_TOKEN (an opaque string of 16+ characters). Without ADMIN_TOKEN the " +
        'admin API is disabled and answers 404 like an unknown route.',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}.${method}`,
  });
  if (!adminEnabled) {
    for (const path of Object.keys(document.paths)) {
      if (path.startsWith(ADMIN_PATHS)) {
        delete document.paths[path];
      }
    }
    document.tags = document.tags?.filter((tag) => tag.name !== 'dead-letters');
  }
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...DEAD_LETTER_SCHEMAS },
  };
  return completeProblemDocs(document);
}
