import { Parser, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApiDocument } from './asyncapi';
import { allContracts, RequestPatterns } from './contracts';

const CHECKED_IN = join(__dirname, '..', '..', '..', 'docs', 'asyncapi.json');

// Spectral severities: 0 error, 1 warning, 2 info, 3 hint.
const WARNING = 1;

describe('buildAsyncApiDocument', () => {
  const document = buildAsyncApiDocument();
  let parsed: AsyncAPIDocumentInterface | undefined;
  let diagnostics: Diagnostic[];

  beforeAll(async () => {
    // The parser validates while it parses (JSON Schema of the spec, bindings, $refs, Spectral rules).
    ({ document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document)));
  }, 60_000);

  it('matches the checked-in docs/asyncapi.json (run `npm run docs:asyncapi` after changing a contract)', () => {
    const checkedIn: unknown = JSON.parse(readFileSync(CHECKED_IN, 'utf8'));
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildAsyncApiDocument())).toBe(JSON.stringify(document));
  });

  it('is a valid AsyncAPI document without warnings', () => {
    const problems = diagnostics
      .filter((d) => Number(d.severity) <= WARNING)
      .map((d) => `${d.code} at ${d.path.join('/')}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(parsed).toBeDefined();
  });

  it('describes every contract pattern with who sends and who receives it', () => {
    const flows = parsed!
      .operations()
      .all()
      .map(
        (op) => `${op.tags().all()[0]?.name()} ${op.action()} ${op.channels().all()[0]?.address()}`,
      )
      .sort();
    // What the registry says, read back from the parsed document.
    expect(flows).toEqual(
      allContracts()
        .flatMap((c) => [
          `${c.publishedBy} send ${c.pattern}`,
          ...c.handledBy.map((handler) => `${handler} receive ${c.pattern}`),
        ])
        .sort(),
    );
    expect(RequestPatterns.OrderQuote).toBe('order.quote.v1');
    const quote = parsed!.operations().get('producerRequestsOrderQuoteV1');
    expect(
      quote
        ?.reply()
        ?.messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['OrderQuoteReply', 'RemoteError']);
  });

  it.each(allContracts().map((c) => [c.pattern, c.payload] as const))(
    "carries %s in Nest's envelope with a payload schema generated from its class",
    (pattern, payloadClass) => {
      const channel = (document.channels as Record<string, ChannelJson>)[pattern];
      const message = channel.messages[payloadClass.name];

      expect(channel.address).toBe(pattern);
      expect(message.payload.properties.pattern).toEqual({ type: 'string', const: pattern });
      expect(message.payload.properties.data).toEqual({
        $ref: `#/components/schemas/${payloadClass.name}`,
      });
      const schemas = (document.components as { schemas: Record<string, JsonSchemaJson> }).schemas;
      expect(schemas[payloadClass.name].type).toBe('object');
      expect(schemas[payloadClass.name].required?.length).toBeGreaterThan(0);
    },
  );

  it('lists every queue of each service with the x-arguments a client declaring it must use', () => {
    const channels = document.channels as Record<
      string,
      { 'x-arguments'?: Record<string, unknown> }
    >;

    expect(channels.consumer['x-arguments']).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'consumer.dlq',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-delivery-limit': 10,
    });
    // The RabbitMQ 4 form: every quorum queue has an explicit limit, -1 (none) where nobody consumes.
    expect(channels['consumer.requests']['x-arguments']).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 10,
    });
    expect(channels['consumer.dlq']['x-arguments']).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': -1,
    });
    expect(channels['consumer.retry.1500ms']['x-arguments']).toMatchObject({
      'x-message-ttl': 1_500,
      'x-dead-letter-routing-key': 'consumer',
      'x-delivery-limit': -1,
    });
    expect(channels.producer).toBeDefined();
    expect(channels['producer.requests']).toBeUndefined();
  });

  it('generates the constraints of the validators, including nested classes', () => {
    const { schemas } = document.components as { schemas: Record<string, unknown> };

    expect(schemas.OrderPlacedEvent).toMatchObject({
      required: ['orderId', 'customerId', 'items', 'currency', 'placedAt'],
      properties: {
        orderId: { type: 'string', format: 'uuid' },
        items: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: { $ref: '#/components/schemas/OrderItem' },
        },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
    });
    expect(schemas.OrderItem).toMatchObject({
      properties: { quantity: { type: 'integer', minimum: 1, maximum: 1_000 } },
    });
    expect((schemas.OrderProcessedEvent as { required: string[] }).required).not.toContain(
      'reason',
    );
    expect(schemas.OrderQuoteReply).toMatchObject({
      properties: { total: { type: 'integer', minimum: 0 } },
    });
  });
});

interface JsonSchemaJson {
  type?: string;
  required?: string[];
}

interface ChannelJson {
  address: string;
  messages: Record<string, { payload: { properties: Record<string, unknown> } }>;
}
