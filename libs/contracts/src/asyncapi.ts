import {
  DIRECT_REPLY_TO,
  DOCUMENTED_BROKER,
  MessageHeaders,
  MessagingEnv,
  queueDeclarations,
  type QueueDeclaration,
} from '@app/messaging';
import { allContracts, patternsHandledBy } from './contracts';
import { jsonSchemasFor, type JsonSchema, type ValidatedClass } from './json-schemas';
import type { ServiceName } from './registry/contract';

/** An AsyncAPI 3.0 document as plain JSON. */
export type AsyncApiDocument = { asyncapi: '3.0.0' } & JsonSchema;

type Service = ServiceName;

const SERVICES: Record<Service, string> = {
  producer: 'The HTTP API: publishes order events, requests quotes and follows order outcomes.',
  consumer: 'Processes orders, answers quotes and publishes order outcomes.',
};

/** The defaults of the broker settings, read off the settings class (one place for each). */
const DEFAULTS = new MessagingEnv();
const EXCHANGE = DEFAULTS.RABBITMQ_EXCHANGE;
const AMQP_BINDING_VERSION = '0.3.0';
const SCHEMAS = '#/components/schemas/';
const SERVER_REF = { $ref: '#/servers/rabbitmq' };

const ref = (name: string): JsonSchema => ({ $ref: `${SCHEMAS}${name}` });
const pascal = (pattern: string): string =>
  pattern
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
/** JSON Pointer escaping of a key (`/` and `~`). */
const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Schemas that no class describes: the wire-level envelopes' parts. */
const HAND_WRITTEN_SCHEMAS: Record<string, JsonSchema> = {
  RemoteError: {
    type: 'object',
    description: 'A handler error sent back to the requester.',
    required: ['name', 'message'],
    properties: {
      name: { type: 'string', description: 'The error class, e.g. PayloadValidationError.' },
      message: { type: 'string' },
      code: {
        type: 'string',
        description: 'Machine-readable reason, e.g. VALIDATION_FAILED, NO_HANDLER, NON_RETRYABLE.',
      },
      details: {
        description:
          'Extra data; for VALIDATION_FAILED a list of { field, errors[] } naming every wrong field.',
      },
    },
  },
  MessageProperties: {
    type: 'object',
    description:
      'AMQP basic properties (and the x-causation-id header) of every event and request. The envelope is JSON.',
    required: ['messageId', 'correlationId', 'timestamp', 'contentType', 'appId', 'type'],
    properties: {
      messageId: {
        type: 'string',
        format: 'uuid',
        description:
          'Unique per message and stable across re-publishes, so consumers drop duplicates by it.',
      },
      correlationId: {
        type: 'string',
        description:
          'The X-Request-Id of the HTTP request that caused the message, carried through follow-ups.',
      },
      timestamp: { type: 'integer', description: 'Publish time in Unix seconds.' },
      contentType: { type: 'string', const: 'application/json' },
      appId: {
        type: 'string',
        enum: Object.keys(SERVICES),
        description: 'The publishing service.',
      },
      type: { type: 'string', description: 'The pattern (routing key) again.' },
      'x-causation-id': {
        type: 'string',
        description:
          'AMQP header on messages published while handling another: the messageId of that message.',
      },
    },
  },
  RequestProperties: {
    allOf: [
      ref('MessageProperties'),
      {
        type: 'object',
        required: ['replyTo', 'expiration'],
        properties: {
          correlationId: {
            type: 'string',
            description:
              "The request's own id (our client sends its messageId); the reply echoes it, as every AMQP RPC client expects.",
          },
          [MessageHeaders.CorrelationId]: {
            type: 'string',
            description:
              'AMQP header: the business correlation id (the X-Request-Id of the HTTP request behind it).',
          },
          replyTo: { type: 'string', const: DIRECT_REPLY_TO },
          expiration: {
            type: 'string',
            pattern: '^[0-9]+$',
            description:
              "The requester's timeout in ms (REQUEST_TIMEOUT_MS, default 5000): the broker drops an abandoned request.",
          },
        },
      },
    ],
  },
  ReplyProperties: {
    type: 'object',
    required: ['correlationId', 'contentType'],
    properties: {
      correlationId: {
        type: 'string',
        description:
          "The request's correlationId (its messageId when it had none), which pairs the reply with its request.",
      },
      contentType: { type: 'string', const: 'application/json' },
      [MessageHeaders.ErrorName]: {
        type: 'string',
        description: 'AMQP header on an error reply to a bare JSON request: the error class.',
      },
      [MessageHeaders.ErrorCode]: {
        type: 'string',
        description:
          'AMQP header on an error reply to a bare JSON request, e.g. VALIDATION_FAILED.',
      },
      [MessageHeaders.ErrorMessage]: {
        type: 'string',
        description: 'AMQP header on an error reply to a bare JSON request.',
      },
    },
  },
};

function envelope(pattern: string, payload: string, request: boolean): JsonSchema {
  return {
    type: 'object',
    description:
      "Nest's envelope. A bare JSON payload (without pattern/data) is accepted too and routed by its routing key.",
    required: request ? ['pattern', 'data', 'id'] : ['pattern', 'data'],
    properties: {
      pattern: { type: 'string', const: pattern },
      data: ref(payload),
      ...(request
        ? { id: { type: 'string', format: 'uuid', description: 'The messageId again.' } }
        : {}),
    },
  };
}

function message(
  name: string,
  pattern: string,
  summary: string,
  payload: JsonSchema,
  headers: string,
): JsonSchema {
  return {
    name,
    title: name,
    summary,
    contentType: 'application/json',
    correlationId: {
      location: '$message.header#/correlationId',
      description:
        headers === 'ReplyProperties'
          ? "The request's messageId."
          : 'The X-Request-Id of the HTTP request behind the message.',
    },
    headers: ref(headers),
    payload,
    bindings: { amqp: { messageType: pattern, bindingVersion: AMQP_BINDING_VERSION } },
  };
}

/**
 * The AsyncAPI 3.0 description of the message contracts (servers, the exchange, one channel per
 * routing key, who sends and receives what, and each service's queues with the arguments a client
 * declaring them must use), generated from the contract registry. Pure and deterministic, so
 * `docs/asyncapi.json` can be checked for drift.
 */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const classes: ValidatedClass[] = [];

  const operation = (service: Service, verb: string, pattern: string, body: JsonSchema): void => {
    operations[`${service}${verb}${pascal(pattern)}`] = { ...body, tags: [{ name: service }] };
  };

  for (const contract of allContracts()) {
    const { pattern, description } = contract;
    const payload = contract.payload.name;
    classes.push(contract.payload);
    const channelRef = { $ref: `#/channels/${pointer(pattern)}` };
    const messageRef = { $ref: `#/channels/${pointer(pattern)}/messages/${payload}` };
    const exchange = {
      amqp: {
        is: 'routingKey',
        exchange: { name: EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' },
        bindingVersion: AMQP_BINDING_VERSION,
      },
    };
    const isRequest = contract.kind === 'request';
    channels[pattern] = {
      address: pattern,
      title: pattern,
      summary: description,
      description: `Routing key \`${pattern}\` on the durable topic exchange \`${EXCHANGE}\` (RABBITMQ_EXCHANGE).`,
      servers: [SERVER_REF],
      messages: {
        [payload]: message(
          payload,
          pattern,
          description,
          envelope(pattern, payload, isRequest),
          isRequest ? 'RequestProperties' : 'MessageProperties',
        ),
      },
      bindings: exchange,
    };

    if (contract.kind === 'event') {
      operation(contract.publishedBy, 'Sends', pattern, {
        action: 'send',
        channel: channelRef,
        title: `${contract.publishedBy} publishes ${pattern}`,
        description:
          'Persistent and mandatory, with publisher confirms: a publish no queue is bound for fails instead of vanishing.',
        messages: [messageRef],
        bindings: {
          amqp: {
            deliveryMode: 2,
            mandatory: true,
            timestamp: true,
            bindingVersion: AMQP_BINDING_VERSION,
          },
        },
      });
      for (const receiver of contract.handledBy) {
        operation(receiver, 'Receives', pattern, {
          action: 'receive',
          channel: channelRef,
          title: `${receiver} handles ${pattern}`,
          description:
            `From its work queue \`${receiver}\` (RABBITMQ_QUEUE) bound to \`${pattern}\`; acked after the handler finished, ` +
            `retried through \`${receiver}.retry.<delay>ms\` queues, then dead-lettered to \`${receiver}.dlq\`.`,
          messages: [messageRef],
          bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
        });
      }
      continue;
    }

    const replyPayload = contract.reply.name;
    const replyChannel = `${pattern}.reply`;
    classes.push(contract.reply);
    const replier = contract.handledBy[0];
    channels[replyChannel] = {
      address: null,
      title: `${pattern} reply`,
      summary: `The answer to ${pattern}: a result or the handler's error.`,
      description:
        `Direct reply-to: the replier sends the answer through the default exchange to the request's replyTo (\`${DIRECT_REPLY_TO}\`). ` +
        "A request in Nest's envelope gets Nest's reply envelope (the messages below); a bare JSON request gets the bare " +
        `result, or \`{ "error": RemoteError }\` with the error in the \`${MessageHeaders.ErrorName}\`, \`${MessageHeaders.ErrorCode}\` and \`${MessageHeaders.ErrorMessage}\` headers.`,
      servers: [SERVER_REF],
      messages: {
        [replyPayload]: message(
          replyPayload,
          pattern,
          'The handler succeeded.',
          {
            type: 'object',
            required: ['response', 'isDisposed'],
            properties: {
              response: ref(replyPayload),
              isDisposed: { type: 'boolean', const: true },
            },
          },
          'ReplyProperties',
        ),
        RemoteError: message(
          'RemoteError',
          pattern,
          'The handler failed (invalid payload, unknown pattern, or its own error).',
          {
            type: 'object',
            required: ['err', 'isDisposed'],
            properties: { err: ref('RemoteError'), isDisposed: { type: 'boolean', const: true } },
          },
          'ReplyProperties',
        ),
      },
      bindings: {
        amqp: {
          is: 'queue',
          queue: {
            name: DIRECT_REPLY_TO,
            durable: false,
            exclusive: true,
            autoDelete: true,
            vhost: '/',
          },
          bindingVersion: AMQP_BINDING_VERSION,
        },
      },
    };
    const reply = {
      address: {
        location: '$message.header#/replyTo',
        description: "The request's replyTo property.",
      },
      channel: { $ref: `#/channels/${pointer(replyChannel)}` },
      messages: [replyPayload, 'RemoteError'].map((name) => ({
        $ref: `#/channels/${pointer(replyChannel)}/messages/${name}`,
      })),
    };
    operation(contract.publishedBy, 'Requests', pattern, {
      action: 'send',
      channel: channelRef,
      title: `${contract.publishedBy} requests ${pattern}`,
      description:
        'Mandatory and transient, expiring with the timeout; the requester waits for the reply on direct reply-to.',
      messages: [messageRef],
      bindings: {
        amqp: {
          deliveryMode: 1,
          mandatory: true,
          timestamp: true,
          bindingVersion: AMQP_BINDING_VERSION,
        },
      },
      reply,
    });
    operation(replier, 'RepliesTo', pattern, {
      action: 'receive',
      channel: channelRef,
      title: `${replier} answers ${pattern}`,
      description: `From its queue \`${replier}.requests\` bound to \`${pattern}\`; the reply goes to the request's replyTo, never retried.`,
      messages: [messageRef],
      bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
      reply,
    });
  }

  for (const service of Object.keys(SERVICES) as Service[]) {
    for (const queue of serviceQueues(service)) {
      channels[queue.name] = queueChannel(service, queue);
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Orders messaging',
      version: '1.0.0',
      description:
        'The RabbitMQ contracts between the producer and the consumer. Routing key = pattern; ' +
        'patterns are versioned (`.v1`) and never renamed. Money is an integer number of minor units (cents). ' +
        'Consumers strip unknown fields, so producers may add optional fields without a new version.',
      tags: Object.entries(SERVICES).map(([name, description]) => ({ name, description })),
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'localhost:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description:
          'The broker in RABBITMQ_URL (amqps:// for TLS; a comma-separated list of nodes is allowed). ' +
          'Each service declares the exchange and its own queues on connect.',
      },
    },
    channels,
    operations,
    components: {
      schemas: {
        ...jsonSchemasFor(classes, { refPrefix: SCHEMAS }),
        ...HAND_WRITTEN_SCHEMAS,
      },
    },
  };
}

/** A service's queues with the default settings, as it declares them on RabbitMQ 4. */
function serviceQueues(service: Service): QueueDeclaration[] {
  const handled = new Set(patternsHandledBy(service));
  const kinds = allContracts().filter((contract) => handled.has(contract.pattern));
  return queueDeclarations(
    {
      exchange: EXCHANGE,
      queue: service,
      queueType: DEFAULTS.RABBITMQ_QUEUE_TYPE,
      deliveryLimit: DEFAULTS.RABBITMQ_DELIVERY_LIMIT,
      retry: {
        maxAttempts: DEFAULTS.RETRY_MAX_ATTEMPTS,
        initialDelayMs: DEFAULTS.RETRY_INITIAL_DELAY_MS,
        multiplier: DEFAULTS.RETRY_MULTIPLIER,
      },
    },
    {
      events: kinds.filter((c) => c.kind === 'event').map((c) => c.pattern),
      requests: kinds.filter((c) => c.kind === 'request').map((c) => c.pattern),
    },
    DOCUMENTED_BROKER,
  );
}

const QUEUE_ROLES: Record<QueueDeclaration['role'], string> = {
  work: 'The work queue: the events the service handles, bound from the exchange.',
  requests: 'The request queue: the requests the service answers, bound from the exchange.',
  retry:
    'A delay queue: a failed event waits out its TTL here, then the broker dead-letters it back to the work queue.',
  'dead-letter': 'The dead-letter queue: failed messages with their reason in x-error-* headers.',
};

/**
 * A queue as an AsyncAPI channel: `x-arguments` are the arguments a client that declares the queue
 * too must pass (or it must declare passively), or the broker refuses with PRECONDITION_FAILED.
 */
function queueChannel(service: Service, queue: QueueDeclaration): JsonSchema {
  const bound =
    queue.bindings.length > 0
      ? ` Bound to ${queue.bindings.map((b) => `\`${b}\``).join(', ')}.`
      : '';
  return {
    address: queue.name,
    title: `${service} queue ${queue.name}`,
    summary: QUEUE_ROLES[queue.role],
    description:
      `Declared by the ${service} on connect (durable; name from RABBITMQ_QUEUE, default \`${service}\`).${bound} ` +
      'A client that declares it must use exactly `x-arguments`, which are those of RabbitMQ 4; ' +
      'on RabbitMQ 3.x, an `x-delivery-limit` of -1 (no limit) is left out.',
    servers: [SERVER_REF],
    'x-arguments': queue.options.arguments,
    bindings: {
      amqp: {
        is: 'queue',
        queue: { name: queue.name, durable: true, exclusive: false, autoDelete: false, vhost: '/' },
        bindingVersion: AMQP_BINDING_VERSION,
      },
    },
  };
}
