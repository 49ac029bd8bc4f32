import { randomUUID } from 'node:crypto';
import {
  EventPatterns,
  type OrderCancelledEvent,
  type OrderPlacedEvent,
  type OrderProcessedEvent,
} from '@app/contracts';
import { EventProbe, waitFor } from '@app/testing';
import { anOrder, TestSystem } from './support/system';

describe('Orders over HTTP → RabbitMQ → consumer', () => {
  let system: TestSystem;
  let probe: EventProbe;

  beforeAll(async () => {
    system = await TestSystem.start();
    probe = await EventProbe.create(system.exchange, ['order.#']);
  });

  afterAll(async () => {
    await probe?.close();
    await system?.close();
  });

  it('answers 202 with an order id and the consumer publishes order.processed with the total', async () => {
    const response = await system.post('/orders', anOrder(), { 'x-request-id': 'req-e2e-1' });

    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe('req-e2e-1');
    const orderId = response.body.orderId as string;
    const processed = await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (e) => e.orderId === orderId,
    );
    // 2 × 1250 + 300 = 2800; 8 % tax = 224; below the free-shipping threshold: 499.
    expect(processed.data).toMatchObject({
      outcome: 'accepted',
      total: 2_800 + 224 + 499,
      currency: 'EUR',
    });
    expect(processed.properties.correlationId).toBe('req-e2e-1');
    expect(processed.properties.appId).toBe('consumer');

    const placed = probe.messages.find(
      (m) =>
        m.pattern === EventPatterns.OrderPlaced && (m.data as OrderPlacedEvent).orderId === orderId,
    );
    expect(placed?.properties).toMatchObject({
      messageId: orderId,
      correlationId: 'req-e2e-1',
      contentType: 'application/json',
      appId: 'producer',
      deliveryMode: 2,
    });
    expect(placed?.properties.timestamp).toEqual(expect.any(Number));

    const status = await waitFor(
      async () => {
        const r = await system.get(`/orders/${orderId}`);
        return r.body.status === 'accepted' ? r : undefined;
      },
      { description: 'the order status to become accepted' },
    );
    expect(status.body).toMatchObject({ orderId, total: 3_523 });
  });

  it('rejects an order over the business limits with a reason, not an error', async () => {
    const items = Array.from({ length: 21 }, (_, i) => ({
      sku: `SKU-${i}`,
      quantity: 1,
      unitPrice: 100,
    }));
    const { body } = await system.post('/orders', anOrder({ items }));

    const processed = await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (e) => e.orderId === body.orderId,
    );
    expect(processed.data.outcome).toBe('rejected');
    expect(processed.data.reason).toMatch(/too many items/);
  });

  it('delivers order.placed to a second subscriber queue too (fan-out)', async () => {
    const second = await EventProbe.create(system.exchange, [EventPatterns.OrderPlaced]);
    try {
      const { body } = await system.post('/orders', anOrder());
      await second.waitForMessage<OrderPlacedEvent>(
        EventPatterns.OrderPlaced,
        (e) => e.orderId === body.orderId,
      );
      await probe.waitForMessage<OrderProcessedEvent>(
        EventPatterns.OrderProcessed,
        (e) => e.orderId === body.orderId,
      );
    } finally {
      await second.close();
    }
  });

  it('cancels an order: order.cancelled, the consumer confirms, and the order ends cancelled', async () => {
    const placed = await system.post('/orders', anOrder());
    const orderId = placed.body.orderId as string;
    expect(placed.headers.get('location')).toBe(`/orders/${orderId}`);

    const response = await system.post(`/orders/${orderId}/cancel`, { reason: 'changed my mind' });

    expect(response.status).toBe(202);
    const cancelled = await probe.waitForMessage<OrderCancelledEvent>(
      EventPatterns.OrderCancelled,
      (e) => e.orderId === orderId,
    );
    expect(cancelled.data.reason).toBe('changed my mind');
    await waitFor(
      async () => (await system.get(`/orders/${orderId}`)).body.status === 'cancelled',
      {
        description: 'the order to end cancelled',
      },
    );
  });

  it('answers 404 when cancelling an order the producer never accepted', async () => {
    const response = await system.post(`/orders/${randomUUID()}/cancel`, {});

    expect(response.status).toBe(404);
  });

  it('answers 409 when cancelling an order the consumer rejected, and it stays rejected', async () => {
    const items = Array.from({ length: 21 }, (_, i) => ({
      sku: `SKU-${i}`,
      quantity: 1,
      unitPrice: 1,
    }));
    const placed = await system.post('/orders', anOrder({ items }));
    const orderId = placed.body.orderId as string;
    await waitFor(async () => (await system.get(`/orders/${orderId}`)).body.status === 'rejected', {
      description: 'the order to be rejected',
    });

    const response = await system.post(`/orders/${orderId}/cancel`, {});

    expect(response.status).toBe(409);
    expect((await system.get(`/orders/${orderId}`)).body.status).toBe('rejected');
  });

  it('answers 400 naming each wrong field, and publishes nothing', async () => {
    const before = probe.payloads(EventPatterns.OrderPlaced).length;

    const response = await system.post('/orders', {
      customerId: '',
      items: [{ sku: 'BOOK-1', quantity: 0, unitPrice: 12.5 }],
      currency: 'EURO',
      admin: true,
    });

    expect(response.status).toBe(400);
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(
      ['admin', 'currency', 'customerId', 'items.0.quantity', 'items.0.unitPrice'].sort(),
    );
    await system.placeMarkerOrder(probe);
    expect(probe.payloads(EventPatterns.OrderPlaced)).toHaveLength(before + 1);
  });

  it('publishes one event for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const key = `key-${Date.now()}`;
    const first = await system.post('/orders', anOrder(), { 'idempotency-key': key });
    const second = await system.post('/orders', anOrder(), { 'idempotency-key': key });
    const conflicting = await system.post('/orders', anOrder({ currency: 'USD' }), {
      'idempotency-key': key,
    });

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(conflicting.status).toBe(422);
    await system.placeMarkerOrder(probe);
    expect(
      probe
        .payloads<OrderPlacedEvent>(EventPatterns.OrderPlaced)
        .filter((e) => e.orderId === first.body.orderId),
    ).toHaveLength(1);
  });

  it.each([
    ['malformed JSON', '{"customerId":', 'application/json', 400],
    ['a non-JSON content type', 'customerId=1', 'application/x-www-form-urlencoded', 415],
    ['plain text', 'hello', 'text/plain', 415],
  ])('answers %s with a 4xx', async (_, body, contentType, status) => {
    const response = await system.post('/orders', body, { 'content-type': contentType });
    expect(response.status).toBe(status);
  });

  it('answers 400 for a malformed order id', async () => {
    expect((await system.post('/orders/not-a-uuid/cancel', {})).status).toBe(400);
  });
});
