import type { SchemaObject } from '@nestjs/swagger';
import { MAX_PAGE_SIZE } from './list-dead-letters.query';

/** Names of the admin API's schemas among the OpenAPI components (see dead-letter.dto.ts). */
export const DeadLetterSchemas = {
  Summary: 'DeadLetterSummary',
  Detail: 'DeadLetterDetail',
  Page: 'DeadLetterPage',
  ReplayResult: 'ReplayResult',
  PurgeResult: 'PurgeResult',
  DropResult: 'DropResult',
} as const;

/** A `$ref` to one of {@link DeadLetterSchemas}. */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

const nullableString = (description?: string): SchemaObject => ({
  type: 'string',
  nullable: true,
  ...(description ? { description } : {}),
});
const nullableTime = (description: string): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  nullable: true,
  description,
});

const SUMMARY_PROPERTIES: Record<string, SchemaObject> = {
  messageId: nullableString(
    'The AMQP messageId, or the id the consumer assigned (`x-assigned-message-id`) to a message ' +
      'published without one; null only for a message the broker dead-lettered that had none.',
  ),
  routingKey: nullableString('The routing key it was originally published with.'),
  pattern: nullableString('The pattern of its `{ pattern, data }` envelope, else the routing key.'),
  exchange: nullableString('The exchange it was originally published to.'),
  error: {
    type: 'object',
    description: 'Why it was dead-lettered, as the consumer recorded it.',
    required: ['name', 'message', 'code'],
    properties: { name: nullableString(), message: nullableString(), code: nullableString() },
  },
  deathReason: nullableString(
    'Set instead of `error` when the broker dead-lettered it (e.g. `delivery_limit`).',
  ),
  attempts: { type: 'integer', nullable: true, description: 'Handler attempts (`x-attempt`).' },
  firstFailureAt: nullableTime('When its first attempt failed.'),
  lastFailureAt: nullableTime('When its last attempt failed.'),
  replayedAt: nullableTime('When an operator last replayed it (it failed again since).'),
  publishedAt: nullableTime("The publisher's timestamp, if it set one."),
  deliveryCount: {
    type: 'integer',
    nullable: true,
    description: 'Times a quorum dead-letter queue handed this copy out, e.g. to listings.',
  },
  sizeBytes: { type: 'integer', minimum: 0 },
  bodyPreview: {
    type: 'string',
    description: 'The start of the body as text (base64 when it is not UTF-8).',
  },
};

/** The admin API's response schemas, mirroring the interfaces of dead-letter.dto.ts. */
export const DEAD_LETTER_SCHEMAS: Record<string, SchemaObject> = {
  [DeadLetterSchemas.Summary]: {
    type: 'object',
    required: Object.keys(SUMMARY_PROPERTIES),
    properties: SUMMARY_PROPERTIES,
  },
  [DeadLetterSchemas.Detail]: {
    allOf: [
      schemaRef(DeadLetterSchemas.Summary),
      {
        type: 'object',
        required: ['bodyEncoding', 'body', 'properties', 'headers'],
        properties: {
          bodyEncoding: { type: 'string', enum: ['json', 'utf8', 'base64'] },
          body: {
            description: 'The parsed JSON when the body is JSON, else its text, else its base64.',
          },
          properties: { type: 'object', additionalProperties: true },
          headers: { type: 'object', additionalProperties: true },
        },
      },
    ],
  },
  [DeadLetterSchemas.Page]: {
    type: 'object',
    required: ['queue', 'total', 'offset', 'limit', 'items'],
    properties: {
      queue: { type: 'string', description: 'The dead-letter queue.' },
      total: { type: 'integer', minimum: 0, description: 'Messages ready when the page was read.' },
      offset: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
      items: { type: 'array', items: schemaRef(DeadLetterSchemas.Summary) },
    },
  },
  [DeadLetterSchemas.ReplayResult]: {
    type: 'object',
    required: ['replayed', 'failed'],
    properties: {
      replayed: { type: 'integer', minimum: 0 },
      failed: {
        type: 'integer',
        minimum: 0,
        description:
          'Copies left in the dead-letter queue because their publish was not confirmed.',
      },
    },
  },
  [DeadLetterSchemas.PurgeResult]: {
    type: 'object',
    required: ['purged'],
    properties: { purged: { type: 'integer', minimum: 0 } },
  },
  [DeadLetterSchemas.DropResult]: {
    type: 'object',
    required: ['dropped'],
    properties: { dropped: { type: 'integer', minimum: 1 } },
  },
};
