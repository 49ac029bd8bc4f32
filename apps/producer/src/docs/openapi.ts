import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
  type SchemaObject,
} from '@nestjs/swagger';
import {
  jsonSchemasFor,
  OrderProcessedEvent,
  OrderQuoteReply,
  OrderQuoteRequest,
} from '@app/contracts';
import { CancelOrderDto } from '../orders/dto/cancel-order.dto';
import { OrderAcceptedDto, PlaceOrderDto } from '../orders/dto/place-order.dto';
import { ApiSchemaNames, schemaRef } from './api-docs.decorators';

/** Where the docs are served; the JSON of the Swagger UI is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';
/** Where the AsyncAPI document of the message contracts is served. */
export const ASYNCAPI_PATH = '/asyncapi.json';

const SCHEMAS = '#/components/schemas/';
const REQUEST_ID = 'X-Request-Id';
const FASTIFY_STATUSES = new Set(['413', '415']);

/** Bodies: unknown fields are a 400 (`forbidNonWhitelisted`), hence `additionalProperties: false`. */
const REQUEST_CLASSES = [PlaceOrderDto, CancelOrderDto, OrderQuoteRequest];
const RESPONSE_CLASSES = [OrderAcceptedDto, OrderQuoteReply, OrderProcessedEvent];

const HAND_WRITTEN_SCHEMAS: Record<string, SchemaObject> = {
  [ApiSchemaNames.Error]: {
    type: 'object',
    required: ['message'],
    properties: {
      statusCode: { type: 'integer', description: 'The HTTP status (missing from a few 400s).' },
      error: { type: 'string', description: 'The status text, e.g. Service Unavailable.' },
      message: { type: 'string' },
    },
  },
  [ApiSchemaNames.ValidationError]: {
    allOf: [
      schemaRef(ApiSchemaNames.Error),
      {
        type: 'object',
        required: ['errors'],
        properties: {
          message: { type: 'string', enum: ['Validation failed'] },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'errors'],
              properties: {
                field: { type: 'string', description: 'Dotted path, e.g. items.0.quantity.' },
                errors: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    ],
    example: {
      statusCode: 400,
      error: 'Bad Request',
      message: 'Validation failed',
      errors: [{ field: 'items.0.quantity', errors: ['quantity must not be less than 1'] }],
    },
  },
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

// HealthController lives in libs/platform: its responses come from Terminus' @HealthCheck()
// (which documents itself when @nestjs/swagger is installed); the rest is added here.
const HEALTH_DOCS: Record<string, OperationObject> = {
  '/health/live': {
    tags: ['health'],
    summary: 'Liveness: the process is up',
    description:
      'Terminus format; never checks dependencies, so a broker outage does not restart the process.',
    responses: {},
  },
  '/health/ready': {
    tags: ['health'],
    summary: 'Readiness: connected to the broker and subscribed',
    description:
      'Terminus format: 200 when the broker connection is up and (in a consuming service) the consumers ' +
      'are subscribed; otherwise 503, and `error`/`details` say what is down.',
    responses: {},
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

/**
 * The producer's OpenAPI document: scanned from the controllers' decorators, with request and
 * response schemas generated from the same class-validator decorators that validate, plus what
 * decorators cannot reach (health, X-Request-Id on every route, the AsyncAPI route).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Orders producer')
    .setDescription(
      'Places, cancels and follows orders and prices baskets; every accepted command is a confirmed ' +
        `RabbitMQ message (see ${ASYNCAPI_PATH}). Money is an integer number of minor units (cents). ` +
        `API responses carry ${REQUEST_ID} (yours if you sent one), which becomes the correlationId ` +
        'of every message published for the request.',
    )
    .setVersion('1.0.0')
    .addTag('orders', 'Place, follow and cancel orders')
    .addTag('quotes', 'Price a basket (request/response with the consumer)')
    .addTag('health', 'Probes for orchestrators')
    .addTag('docs', 'Machine-readable API documentation')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '').toLowerCase()}.${method}`,
  });

  for (const [path, docs] of Object.entries(HEALTH_DOCS)) {
    const scanned = document.paths[path]?.get;
    if (scanned) {
      document.paths[path] = { get: { ...scanned, ...docs, responses: scanned.responses } };
    }
  }
  // Every controller route runs the CorrelationIdInterceptor (not the docs routes served below),
  // except for 413 and 415, which Fastify answers before any Nest code runs.
  for (const item of Object.values(document.paths)) {
    for (const operation of operations(item)) {
      operation.parameters = [
        ...(operation.parameters ?? []),
        { $ref: '#/components/parameters/RequestId' },
      ];
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response && !('$ref' in response) && !FASTIFY_STATUSES.has(status)) {
          response.headers = {
            ...response.headers,
            [REQUEST_ID]: { $ref: '#/components/headers/RequestId' },
          };
        }
      }
    }
  }
  document.paths[ASYNCAPI_PATH] = ASYNCAPI_DOCS;

  document.components = {
    ...document.components,
    // Replaces the empty schemas @nestjs/swagger derives from classes without @ApiProperty.
    schemas: {
      ...document.components?.schemas,
      ...jsonSchemasFor(REQUEST_CLASSES, { refPrefix: SCHEMAS, closed: true }),
      ...jsonSchemasFor(RESPONSE_CLASSES, { refPrefix: SCHEMAS }),
      ...HAND_WRITTEN_SCHEMAS,
    },
    parameters: {
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
      RequestId: {
        description: `The request's ${REQUEST_ID}: yours, or a generated UUID.`,
        schema: { type: 'string' },
      },
    },
  };
  return document;
}

function operations(item: PathItemObject): OperationObject[] {
  return [item.get, item.put, item.post, item.delete, item.patch, item.head, item.options].filter(
    (operation): operation is OperationObject => operation !== undefined,
  );
}
