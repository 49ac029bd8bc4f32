import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type PathItemObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import {
  jsonSchemasFor,
  OrderProcessedEvent,
  OrderQuoteReply,
  OrderQuoteRequest,
} from '@app/contracts';
import {
  completeProblemDocs,
  operationsOf,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_SCHEMA_REF,
  RETRY_AFTER_HEADER_DOCS,
} from '@app/platform/http';
import { CancelOrderDto } from '../orders/dto/cancel-order.dto';
import { OrderAcceptedDto, PlaceOrderDto } from '../orders/dto/place-order.dto';
import { ApiSchemaNames, schemaRef } from './api-docs.decorators';

/** Where the docs are served; the JSON of the Swagger UI is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';
/** Where the AsyncAPI document of the message contracts is served. */
export const ASYNCAPI_PATH = '/asyncapi.json';

const SCHEMAS = '#/components/schemas/';
const REQUEST_ID = 'X-Request-Id';
/** Name of the API-key security scheme. */
const API_KEY_SCHEME = 'ApiKey';

/** Bodies: unknown fields are a 400 (`forbidNonWhitelisted`), hence `additionalProperties: false`. */
const REQUEST_CLASSES = [PlaceOrderDto, CancelOrderDto, OrderQuoteRequest];
const RESPONSE_CLASSES = [OrderAcceptedDto, OrderQuoteReply, OrderProcessedEvent];

const HAND_WRITTEN_SCHEMAS: Record<string, SchemaObject> = {
  [ApiSchemaNames.OrderStatus]: {
    description: '`pending` until the consumer reports the outcome.',
    oneOf: [
      {
        type: 'object',
        required: ['orderId', 'status'],
        properties: {
          orderId: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: ['pending'] },
        },
      },
      {
        allOf: [
          schemaRef(OrderProcessedEvent),
          {
            type: 'object',
            required: ['status'],
            properties: {
              status: {
                type: 'string',
                enum: ['accepted', 'rejected'],
                description: 'Equal to outcome.',
              },
            },
          },
        ],
      },
    ],
  },
};

const ASYNCAPI_DOCS: PathItemObject = {
  get: {
    tags: ['docs'],
    operationId: 'docs.asyncapi',
    summary: 'AsyncAPI 3.0 document of the RabbitMQ message contracts',
    description:
      'Exchange, routing keys, who publishes and who handles each message, and the payload schemas. ' +
      'Generated from the contract classes; also checked in as docs/asyncapi.json.',
    responses: {
      200: {
        description: 'The AsyncAPI document.',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
    },
  },
};

/** The paths Nest's guards do not see (served by Fastify plugins); protectDocs guards them. */
const DOCS_ROUTES = new Set([ASYNCAPI_PATH]);

/**
 * The producer's OpenAPI document: scanned from the controllers' decorators, with request and
 * response schemas generated from the same class-validator decorators that validate, plus what
 * decorators cannot reach: the API key and the rate limit of every route (401, 429), the problem
 * format of every error, X-Request-Id, and the AsyncAPI route.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Orders producer')
    .setDescription(
      'Places, cancels and follows orders and prices baskets; every accepted command is a confirmed ' +
        `RabbitMQ message (see ${ASYNCAPI_PATH}). Money is an integer number of minor units (cents). ` +
        `Every response carries ${REQUEST_ID} (yours if you sent one), which becomes the correlationId ` +
        'of every message published for the request. Every error is an RFC 9457 problem ' +
        '(`application/problem+json`, schema `ProblemDetails`) except the 503 of /health/ready, a ' +
        'Terminus health report.',
    )
    .setVersion('1.0.0')
    .addTag('orders', 'Place, follow and cancel orders')
    .addTag('quotes', 'Price a basket (request/response with the consumer)')
    .addTag('health', 'Probes for orchestrators')
    .addTag('metrics', 'Prometheus scraping')
    .addTag('docs', 'Machine-readable API documentation')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description:
          'Required only when the server sets API_KEY: then every route but the paths in ' +
          'API_KEY_PUBLIC_PATHS (by default /health/live and /health/ready) answers 401 without it, ' +
          '/metrics and the docs routes included.',
      },
      API_KEY_SCHEME,
    )
    .addSecurityRequirements(API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '').toLowerCase()}.${method}`,
  });
  document.paths[ASYNCAPI_PATH] = ASYNCAPI_DOCS;

  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of operationsOf(item)) {
      if (path.startsWith('/health/')) {
        // Open by default (API_KEY_PUBLIC_PATHS) and never rate limited.
        operation.security = [];
        continue;
      }
      operation.responses[401] ??= problemResponse(
        'API_KEY is set and the request has no matching `X-API-Key` header.',
      );
      if (!DOCS_ROUTES.has(path)) {
        operation.responses[429] ??= problemResponse(
          'More than RATE_LIMIT_MAX requests from this client IP within RATE_LIMIT_WINDOW_MS, all ' +
            'routes together; retry after `Retry-After` seconds.',
          { headers: RETRY_AFTER_HEADER_DOCS },
        );
      }
    }
  }

  document.components = {
    ...document.components,
    // Replaces the empty schemas @nestjs/swagger derives from classes without @ApiProperty.
    schemas: {
      ...document.components?.schemas,
      ...jsonSchemasFor(REQUEST_CLASSES, { refPrefix: SCHEMAS, closed: true }),
      ...jsonSchemasFor(RESPONSE_CLASSES, { refPrefix: SCHEMAS }),
      ...HAND_WRITTEN_SCHEMAS,
    },
  };
  return completeProblemDocs(document);
}

function problemResponse(description: string, extra: Partial<ResponseObject> = {}): ResponseObject {
  return {
    description,
    ...extra,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_SCHEMA_REF } },
  };
}
