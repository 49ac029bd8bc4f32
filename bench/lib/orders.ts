import { randomUUID } from 'node:crypto';
import type { OrderPlacedEvent, OrderQuoteRequest } from '@app/contracts';

/** A valid order.placed.v1 payload of about 200 bytes of JSON. */
export function placedEvent(i: number): OrderPlacedEvent {
  return {
    orderId: randomUUID(),
    customerId: `customer-${String(i % 100_000).padStart(5, '0')}`,
    items: [{ sku: `SKU-${100_000 + (i % 1_000)}`, quantity: 1 + (i % 3), unitPrice: 1_250 }],
    currency: 'EUR',
    placedAt: new Date().toISOString(),
  };
}

export function placedEvents(count: number): OrderPlacedEvent[] {
  return Array.from({ length: count }, (_, i) => placedEvent(i));
}

/** The body of `POST /orders` the HTTP workloads send. */
export const PLACE_ORDER_BODY = JSON.stringify({
  customerId: 'customer-00042',
  items: [{ sku: 'SKU-100042', quantity: 2, unitPrice: 1_250 }],
  currency: 'EUR',
});

/** The quote every request/response workload asks for. */
export const QUOTE_REQUEST: OrderQuoteRequest = {
  items: [
    { sku: 'SKU-100042', quantity: 2, unitPrice: 1_250 },
    { sku: 'SKU-100043', quantity: 1, unitPrice: 990 },
  ],
  currency: 'EUR',
};
