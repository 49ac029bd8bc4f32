import {
  EventPatterns,
  type OrderEvents,
  type OrderPlacedEvent,
  type OrderRequests,
} from '@app/contracts';
import type { MessageBus } from '@app/messaging';
import { PricingService } from '../pricing/pricing.service';
import type { OrderState } from './order-state';
import type { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/** The repository's contract, in memory: the state machine's effects without a database. */
class FakeOrders {
  readonly states = new Map<string, OrderState>();

  lock(orderId: string): Promise<OrderState> {
    if (!this.states.has(orderId)) {
      this.states.set(orderId, 'new');
    }
    return Promise.resolve(this.states.get(orderId)!);
  }

  saveProcessed({ orderId, status }: { orderId: string; status: OrderState }): Promise<void> {
    this.states.set(orderId, status);
    return Promise.resolve();
  }

  saveCancelled(orderId: string, status: OrderState): Promise<void> {
    this.states.set(orderId, status);
    return Promise.resolve();
  }
}

describe(OrdersService.name, () => {
  const publish = jest.fn<Promise<void>, unknown[]>();
  let orders: FakeOrders;
  let sut: OrdersService;

  const order = (lines: number, unitPrice = 1_000): OrderPlacedEvent => ({
    orderId: '6a1d3c43-1f1e-4a53-9d53-0f5c4c6a1d10',
    customerId: 'c-1',
    items: Array.from({ length: lines }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPrice })),
    currency: 'EUR',
    placedAt: '2026-11-29T10:00:00.000Z',
  });
  const cancellation = {
    orderId: order(1).orderId,
    reason: 'changed my mind',
    cancelledAt: '2026-11-29T10:00:00Z',
  };

  beforeEach(() => {
    publish.mockReset().mockResolvedValue(undefined);
    orders = new FakeOrders();
    sut = new OrdersService(
      new PricingService(),
      orders as unknown as OrdersRepository,
      { publish } as unknown as MessageBus<OrderEvents, OrderRequests>,
    );
  });

  it('accepts a normal order and announces order.processed with its total', async () => {
    const result = await sut.process(order(2));
    expect(result).toMatchObject({ outcome: 'accepted', total: 2_000 + 160 + 499 });
    expect(publish).toHaveBeenCalledWith(EventPatterns.OrderProcessed, result);
    expect(orders.states.get(order(2).orderId)).toBe('accepted');
  });

  it('rejects an order with too many lines, with a reason', async () => {
    const result = await sut.process(order(21));
    expect(result).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/too many items/) as string,
    });
  });

  it('rejects an order whose total is zero', async () => {
    expect(await sut.process(order(1, 0))).toMatchObject({
      outcome: 'rejected',
      reason: 'order total is zero',
      total: 0,
    });
  });

  it('keeps an order cancelled when its cancellation came first, and announces nothing more', async () => {
    await sut.cancel(cancellation);
    expect(publish).toHaveBeenLastCalledWith(EventPatterns.OrderCancellationProcessed, {
      orderId: cancellation.orderId,
      outcome: 'cancelled',
      processedAt: expect.any(String) as string,
    });
    publish.mockClear();

    expect(await sut.process(order(1))).toBeUndefined();
    expect(publish).not.toHaveBeenCalled();
    expect(orders.states.get(cancellation.orderId)).toBe('cancelled');
  });

  it('cancels an accepted order and announces it', async () => {
    await sut.process(order(1));
    await sut.cancel(cancellation);
    expect(orders.states.get(cancellation.orderId)).toBe('cancelled');
    expect(publish).toHaveBeenLastCalledWith(
      EventPatterns.OrderCancellationProcessed,
      expect.objectContaining({ outcome: 'cancelled' }),
    );
  });

  it('refuses to cancel a rejected order, and says so', async () => {
    await sut.process(order(21));
    await sut.cancel(cancellation);
    expect(orders.states.get(cancellation.orderId)).toBe('rejected');
    expect(publish).toHaveBeenLastCalledWith(
      EventPatterns.OrderCancellationProcessed,
      expect.objectContaining({ outcome: 'refused' }),
    );
  });

  it('fails (so the transaction rolls back) when the outcome cannot be written', async () => {
    publish.mockRejectedValueOnce(new Error('database away'));
    await expect(sut.process(order(1))).rejects.toThrow('database away');
  });
});
