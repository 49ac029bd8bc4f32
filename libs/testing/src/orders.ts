import { randomUUID } from 'node:crypto';
import type { OrderPlacedEvent } from '@app/contracts';

/** A valid `order.placed.v1` payload with a fresh orderId, for tests that publish as the producer. */
export function anOrderPlacedEvent(overrides: Partial<OrderPlacedEvent> = {}): OrderPlacedEvent {
  return {
    orderId: randomUUID(),
    customerId: 'customer-1',
    items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1_000 }],
    currency: 'EUR',
    placedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** Reads the orderId of an order event: the key tests count outcomes by. */
export const orderIdOf = (event: { orderId: string }): string => event.orderId;
