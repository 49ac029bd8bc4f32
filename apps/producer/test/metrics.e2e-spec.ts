import { EventPatterns, type OrderProcessedEvent } from '@app/contracts';
import { EventProbe, metricSample as sample, waitFor } from '@app/testing';
import { anOrder, TestSystem } from './support/system';

describe('Metrics', () => {
  let system: TestSystem;
  let probe: EventProbe;

  beforeAll(async () => {
    system = await TestSystem.start();
    probe = await EventProbe.create(system.exchange, [EventPatterns.OrderProcessed]);
  });

  afterAll(async () => {
    await probe?.close();
    await system?.close();
  });

  it('counts a processed order on both sides and times it', async () => {
    const placed = { pattern: EventPatterns.OrderPlaced };
    const consumedBefore = await sample(system.consumerUrl, 'messaging_consumed_total', {
      ...placed,
      outcome: 'acked',
    });
    const handledBefore = await sample(
      system.consumerUrl,
      'messaging_handler_duration_seconds_count',
      {
        ...placed,
        outcome: 'acked',
      },
    );
    const publishedBefore = await sample(system.producerUrl, 'messaging_published_total', {
      ...placed,
      result: 'confirmed',
    });

    const { body } = await system.post('/orders', anOrder());
    await probe.waitForMessage<OrderProcessedEvent>(
      EventPatterns.OrderProcessed,
      (e) => e.orderId === body.orderId,
    );

    // The consumer publishes order.processed just before it acks and counts the delivery.
    await waitFor(
      async () =>
        (await sample(system.consumerUrl, 'messaging_consumed_total', {
          ...placed,
          outcome: 'acked',
        })) ===
        consumedBefore + 1,
      { description: 'the acked delivery to be counted' },
    );
    expect(
      await sample(system.consumerUrl, 'messaging_handler_duration_seconds_count', {
        ...placed,
        outcome: 'acked',
      }),
    ).toBe(handledBefore + 1);
    expect(
      await sample(system.producerUrl, 'messaging_published_total', {
        ...placed,
        result: 'confirmed',
      }),
    ).toBe(publishedBefore + 1);
    expect(
      await sample(system.producerUrl, 'messaging_publish_confirm_seconds_count', placed),
    ).toBeGreaterThan(0);
    expect(
      await sample(system.producerUrl, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/orders',
        status: '202',
      }),
    ).toBeGreaterThan(0);
    expect(await sample(system.consumerUrl, 'messaging_connection_up', { role: 'consumer' })).toBe(
      1,
    );
    expect(await sample(system.producerUrl, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('times answered quotes (timeouts: see the quotes e2e)', async () => {
    const { status } = await system.post('/quotes', {
      items: [{ sku: 'A', quantity: 1, unitPrice: 100 }],
      currency: 'EUR',
    });
    expect(status).toBe(200);

    expect(
      await sample(system.producerUrl, 'messaging_request_duration_seconds_count', {
        pattern: 'order.quote.v1',
        result: 'ok',
      }),
    ).toBe(1);
  });
});
