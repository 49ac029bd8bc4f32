import fc from 'fast-check';
import { EventPatterns } from '@app/contracts';
import { EventProbe, problemViolations } from '@app/testing';
import { TestSystem } from './support/system';

const SEED = Number(process.env.FC_SEED ?? 20261129);

const sku = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const validItem = fc.record({
  sku,
  quantity: fc.integer({ min: 1, max: 1_000 }),
  unitPrice: fc.integer({ min: 0, max: 10_000_000 }),
});
const validOrder = fc.record({
  customerId: fc.string({ minLength: 1, maxLength: 64 }),
  items: fc.array(validItem, { minLength: 1, maxLength: 5 }),
  currency: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF'),
});

/** One wrong thing in an otherwise valid order. */
const almostValid = fc
  .tuple(validOrder, fc.integer({ min: 0, max: 9 }), fc.anything())
  .map(([order, mutation, junk]): unknown => {
    const o = structuredClone(order) as Record<string, unknown> & {
      items: Record<string, unknown>[];
    };
    switch (mutation) {
      case 0:
        delete o.customerId;
        break;
      case 1:
        o.currency = 'euro';
        break;
      case 2:
        o.items[0].quantity = 0;
        break;
      case 3:
        o.items[0].unitPrice = 1.5;
        break;
      case 4:
        o.items = [];
        break;
      case 5:
        o.unexpected = junk;
        break;
      case 6:
        o.items[0].sku = '';
        break;
      case 7:
        o.customerId = 'x'.repeat(65);
        break;
      case 8:
        o.items = Array.from({ length: 101 }, () => o.items[0]);
        break;
      default:
        o.currency = junk;
        if (typeof junk === 'string' && /^(EUR|USD|GBP|JPY|CHF)$/.test(junk)) {
          o.currency = 12;
        }
    }
    return o;
  });

/** Raw bodies: random JSON, deep nesting, prototype-pollution keys, and broken JSON. */
const hostileBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 2_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 500 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  validOrder.map(
    (o) =>
      `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(o).slice(1)}`,
  ),
  fc.string().map((s) => `{"customerId": ${s}`),
);

describe('HTTP input fuzzing (property-based)', () => {
  let system: TestSystem;
  let probe: EventProbe;
  let accepted = 0;

  beforeAll(async () => {
    system = await TestSystem.start();
    probe = await EventProbe.create(system.exchange, [EventPatterns.OrderPlaced]);
  });

  afterAll(async () => {
    await probe?.close();
    await system?.close();
  });

  it('accepts every valid order with 202', async () => {
    await fc.assert(
      fc.asyncProperty(validOrder, async (order) => {
        const { status } = await system.post('/orders', order);
        expect(status).toBe(202);
        accepted++;
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  it('answers every almost-valid order with 400 naming a field, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(almostValid, async (order) => {
        const answer = await system.post('/orders', order);
        expect(problemViolations(answer, { status: 400, type: 'validation-failed' })).toEqual([]);
        expect((answer.body.errors as unknown[]).length).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('answers random, huge, deep and hostile bodies with a 4xx and no internals', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async (raw) => {
        const answer = await system.post('/orders', raw);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(problemViolations(answer, { status: answer.status })).toEqual([]);
        expect(JSON.stringify(answer.body)).not.toMatch(/\bat .+\.(js|ts):\d+/);
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('published exactly one event per 202 and none for the rest', async () => {
    await system.placeMarkerOrder(probe);
    expect(probe.payloads(EventPatterns.OrderPlaced)).toHaveLength(accepted + 1);
  });
});
