import { EventPatterns, type OrderPlacedEvent } from '@app/contracts';
import { EventProbe } from '@app/testing';
import { anOrder, TestSystem } from './support/system';

describe('Producer replicas sharing a database', () => {
  let system: TestSystem;
  let probe: EventProbe;

  beforeAll(async () => {
    system = await TestSystem.start();
    probe = await EventProbe.create(system.exchange, [EventPatterns.OrderPlaced]);
  });

  afterAll(async () => {
    await probe?.close();
    await system?.close();
  });

  it('honours an Idempotency-Key across replicas: same orderId, one event, 422 for another body', async () => {
    const other = await system.addProducerReplica();
    const key = `replica-key-${Date.now()}`;

    const [first, second] = await Promise.all([
      system.post('/orders', anOrder(), { 'idempotency-key': key }),
      system.post('/orders', anOrder(), { 'idempotency-key': key }, other.url),
    ]);
    const third = await system.post('/orders', anOrder(), { 'idempotency-key': key }, other.url);
    const conflicting = await system.post('/orders', anOrder({ currency: 'USD' }), {
      'idempotency-key': key,
    });

    expect([first.status, second.status, third.status]).toEqual([202, 202, 202]);
    expect(new Set([first.body.orderId, second.body.orderId, third.body.orderId]).size).toBe(1);
    expect(conflicting.status).toBe(422);
    await system.waitForOutboxDrained();
    await system.placeMarkerOrder(probe, other.url);
    expect(
      probe
        .payloads<OrderPlacedEvent>(EventPatterns.OrderPlaced)
        .filter((e) => e.orderId === first.body.orderId),
    ).toHaveLength(1);
  });
});
