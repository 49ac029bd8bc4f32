import {
  EventPatterns,
  type OrderEvents,
  type OrderPlacedEvent,
  type OrderRequests,
} from '@app/contracts';
import type { MessageBus } from '@app/messaging';
import { PricingService } from '../pricing/pricing.service';
import { OrdersService } from './orders.service';

describe(OrdersService.name, () => {
  const publish = jest.fn<Promise<void>, unknown[]>();
  let sut: OrdersService;

  const order = (lines: number, unitPrice = 1_000): OrderPlacedEvent => ({
    orderId: '6a1d3c43-1f1e-4a53-9d53-0f5c4c6a1d10',
    customerId: 'c-1',
    items: Array.from({ length: lines }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPrice })),
    currency: 'EUR',
    placedAt: '2026-11-29T10:00:00.000Z',
  });

  beforeEach(() => {
    publish.mockReset().mockResolvedValue(undefined);
    sut = new OrdersService(new PricingService(), { publish } as unknown as MessageBus<
      OrderEvents,
      OrderRequests
    >);
  });

  it('accepts a normal order and publishes order.processed with its total', async () => {
    const result = await sut.process(order(2));
    expect(result).toMatchObject({ outcome: 'accepted', total: 2_000 + 160 + 499 });
    expect(publish).toHaveBeenCalledWith(EventPatterns.OrderProcessed, result);
  });

  it('rejects an order with too many lines, with a reason', async () => {
    const result = await sut.process(order(21));
    expect(result.outcome).toBe('rejected');
    expect(result.reason).toMatch(/too many items/);
  });

  it('rejects an order whose total is zero', async () => {
    const result = await sut.process(order(1, 0));
    expect(result).toMatchObject({ outcome: 'rejected', reason: 'order total is zero', total: 0 });
  });

  it('rejects an order that was cancelled first', async () => {
    sut.cancel({
      orderId: order(1).orderId,
      reason: 'changed my mind',
      cancelledAt: '2026-11-29T10:00:00Z',
    });
    expect(await sut.process(order(1))).toMatchObject({
      outcome: 'rejected',
      reason: 'order was cancelled before it was processed',
    });
  });

  it('fails (so the message is retried) when the outcome cannot be published', async () => {
    publish.mockRejectedValueOnce(new Error('broker away'));
    await expect(sut.process(order(1))).rejects.toThrow('broker away');
  });
});
