import { OrderQuoteReply } from './orders/order-quote.request';
import { jsonSchemasFor, type JsonSchema, type ValidatedClass } from './json-schemas';
import { CONTRACT_CLASSES } from './patterns';

/** Every routing key that has a payload class in {@link CONTRACT_CLASSES}. */
export type ContractPattern = keyof typeof CONTRACT_CLASSES;

/** An AsyncAPI 3.0 document as plain JSON. */
export type AsyncApiDocument = { asyncapi: '3.0.0' } & JsonSchema;

type Service = 'producer' | 'consumer';

interface EventRoute {
  kind: 'event';
  publisher: Service;
  receivers: Service[];
  summary: string;
}

interface RequestRoute {
  kind: 'request';
  requester: Service;
  replier: Service;
  reply: ValidatedClass;
  summary: string;
}

/**
 * Who publishes and who handles each pattern. Typed by {@link ContractPattern}, so a new contract
 * does not compile until its route is documented here.
 */
const ROUTES: Record<ContractPattern, EventRoute | RequestRoute> = {
  'order.placed.v1': {
    kind: 'event',
    publisher: 'producer',
    receivers: ['consumer'],
    summary:
      'An order was accepted over HTTP (POST /orders); the consumer prices and processes it.',
  },
  'order.cancelled.v1': {
    kind: 'event',
    publisher: 'producer',
    receivers: ['consumer'],
    summary: 'A customer cancelled an order; the consumer releases what it reserved for it.',
  },
  'order.processed.v1': {
    kind: 'event',
    publisher: 'consumer',
    receivers: ['producer'],
    summary:
      'The outcome of an order.placed.v1 (accepted or rejected, with the total); the producer keeps it for GET /orders/{orderId}.',
  },
  'order.quote.v1': {
    kind: 'request',
    requester: 'producer',
    replier: 'consumer',
    reply: OrderQuoteReply,
    summary: 'Asks the consumer to price a basket (POST /quotes); answered over direct reply-to.',
  },
};

const SERVICES: Record<Service, string> = {
  producer: 'The HTTP API: publishes order events, requests quotes and follows order outcomes.',
  consumer: 'Processes orders, answers quotes and publishes order outcomes.',
};

/** The exchange's default name (`RABBITMQ_EXCHANGE`). */
const EXCHANGE = 'events';
const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
const AMQP_BINDING_VERSION = '0.3.0';
const SCHEMAS = '#/components/schemas/';
const SERVER_REF = { $ref: '#/servers/rabbitmq' };
/** Where the queues' exact arguments are, for anyone declaring one (RabbitMQ refuses others). */
const QUEUE_ARGUMENTS =
  'Its queues (durable, quorum by default) have exact arguments, listed in docs/talking-to-the-services.md.';

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
          'The X-Request-Id of the HTTP request that caused the message, carried through follow-ups. ' +
          "On a request it is the request's own id instead (the reply echoes it); the X-Request-Id " +
          'is then in the x-correlation-id header.',
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
            format: 'uuid',
            description: "The request's own id (its messageId): the reply carries it back.",
          },
          'x-correlation-id': {
            type: 'string',
            description:
              'AMQP header: the X-Request-Id of the HTTP request behind the request, for logs.',
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
          "The request's correlationId (its messageId when it set none), which pairs the reply " +
          'with its request, as every AMQP RPC client expects.',
      },
      contentType: { type: 'string', const: 'application/json' },
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
          ? "The request's correlationId."
          : 'The X-Request-Id of the HTTP request behind the message.',
    },
    headers: ref(headers),
    payload,
    bindings: { amqp: { messageType: pattern, bindingVersion: AMQP_BINDING_VERSION } },
  };
}

/**
 * The AsyncAPI 3.0 description of the message contracts (servers, the exchange, one channel per
 * routing key, who sends and receives what), with payload schemas generated from
 * {@link CONTRACT_CLASSES}. Pure and deterministic, so `docs/asyncapi.json` can be checked for drift.
 */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const replyClasses: ValidatedClass[] = [];

  const operation = (service: Service, verb: string, pattern: string, body: JsonSchema): void => {
    operations[`${service}${verb}${pascal(pattern)}`] = { ...body, tags: [{ name: service }] };
  };

  for (const [pattern, payloadClass] of Object.entries(CONTRACT_CLASSES)) {
    const route = ROUTES[pattern as ContractPattern];
    const payload = payloadClass.name;
    const channelRef = { $ref: `#/channels/${pointer(pattern)}` };
    const messageRef = { $ref: `#/channels/${pointer(pattern)}/messages/${payload}` };
    const exchange = {
      amqp: {
        is: 'routingKey',
        exchange: { name: EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' },
        bindingVersion: AMQP_BINDING_VERSION,
      },
    };
    const isRequest = route.kind === 'request';
    channels[pattern] = {
      address: pattern,
      title: pattern,
      summary: route.summary,
      description: `Routing key \`${pattern}\` on the durable topic exchange \`${EXCHANGE}\` (RABBITMQ_EXCHANGE).`,
      servers: [SERVER_REF],
      messages: {
        [payload]: message(
          payload,
          pattern,
          route.summary,
          envelope(pattern, payload, isRequest),
          isRequest ? 'RequestProperties' : 'MessageProperties',
        ),
      },
      bindings: exchange,
    };

    if (route.kind === 'event') {
      operation(route.publisher, 'Sends', pattern, {
        action: 'send',
        channel: channelRef,
        title: `${route.publisher} publishes ${pattern}`,
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
      for (const receiver of route.receivers) {
        operation(receiver, 'Receives', pattern, {
          action: 'receive',
          channel: channelRef,
          title: `${receiver} handles ${pattern}`,
          description:
            `From its work queue \`${receiver}\` (RABBITMQ_QUEUE) bound to \`${pattern}\`; acked after the handler finished, ` +
            `retried through \`${receiver}.retry.<delay>ms\` queues, then dead-lettered to \`${receiver}.dlq\`. ` +
            QUEUE_ARGUMENTS,
          messages: [messageRef],
          bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
        });
      }
      continue;
    }

    const replyPayload = route.reply.name;
    const replyChannel = `${pattern}.reply`;
    replyClasses.push(route.reply);
    channels[replyChannel] = {
      address: null,
      title: `${pattern} reply`,
      summary: `The answer to ${pattern}: a result or the handler's error.`,
      description:
        `Direct reply-to: the replier sends the answer through the default exchange to the request's replyTo (\`${DIRECT_REPLY_TO}\`). ` +
        "A request in Nest's envelope gets these envelopes; a bare JSON request gets a bare reply: the result itself, or " +
        '`{"error": RemoteError}` with x-error-name, x-error-code and x-error-message headers (docs/talking-to-the-services.md).',
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
    operation(route.requester, 'Requests', pattern, {
      action: 'send',
      channel: channelRef,
      title: `${route.requester} requests ${pattern}`,
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
    operation(route.replier, 'RepliesTo', pattern, {
      action: 'receive',
      channel: channelRef,
      title: `${route.replier} answers ${pattern}`,
      description:
        `From its queue \`${route.replier}.requests\` bound to \`${pattern}\`; the reply goes to the request's replyTo, never retried. ` +
        QUEUE_ARGUMENTS,
      messages: [messageRef],
      bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
      reply,
    });
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
        ...jsonSchemasFor([...Object.values(CONTRACT_CLASSES), ...replyClasses], {
          refPrefix: SCHEMAS,
        }),
        ...HAND_WRITTEN_SCHEMAS,
      },
    },
  };
}
