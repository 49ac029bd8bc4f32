import { Parser, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApiDocument } from './asyncapi';
import { CONTRACT_CLASSES, EventPatterns, RequestPatterns } from './patterns';

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
    expect(flows).toEqual(
      [
        `producer send ${EventPatterns.OrderPlaced}`,
        `consumer receive ${EventPatterns.OrderPlaced}`,
        `producer send ${EventPatterns.OrderCancelled}`,
        `consumer receive ${EventPatterns.OrderCancelled}`,
        `consumer send ${EventPatterns.OrderProcessed}`,
        `producer receive ${EventPatterns.OrderProcessed}`,
        `producer send ${RequestPatterns.OrderQuote}`,
        `consumer receive ${RequestPatterns.OrderQuote}`,
      ].sort(),
    );
    const quote = parsed!.operations().get('producerRequestsOrderQuoteV1');
    expect(
      quote
        ?.reply()
        ?.messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['OrderQuoteReply', 'RemoteError']);
  });

  it.each(Object.entries(CONTRACT_CLASSES))(
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
