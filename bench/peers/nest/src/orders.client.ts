import { ClientProxy, RmqRecordBuilder } from '@nestjs/microservices';
import { lastValueFrom, timeout } from 'rxjs';
import {
  EventPatterns,
  RequestPatterns,
  type OrderPlacedEvent,
  type OrderProcessedEvent,
  type OrderQuoteReply,
  type OrderQuoteRequest,
} from '../../shared/contracts';

/**
 * Emits order.placed.v1 and resolves once the broker confirmed it: persistent (client option),
 * mandatory, with the order id as messageId. A return of an unroutable message is not heard: the
 * emit resolves all the same.
 */
export function emitOrderPlaced(client: ClientProxy, event: OrderPlacedEvent): Promise<void> {
  return lastValueFrom(
    client.emit<void>(
      EventPatterns.OrderPlaced,
      new RmqRecordBuilder(event).setOptions({ messageId: event.orderId, mandatory: true }).build(),
    ),
  );
}

/**
 * Asks order.quote.v1 with send(). The request is not persistent and expires when the caller stops
 * waiting, as ours; Nest has no request timeout of its own, so the caller adds one (rxjs timeout()).
 */
export function requestQuote(
  client: ClientProxy,
  request: OrderQuoteRequest,
  timeoutMs: number,
): Promise<OrderQuoteReply> {
  const record = new RmqRecordBuilder(request)
    .setOptions({ persistent: false, mandatory: true, expiration: String(timeoutMs) })
    .build();
  return lastValueFrom(
    client.send<OrderQuoteReply>(RequestPatterns.OrderQuote, record).pipe(timeout(timeoutMs)),
  );
}

/** Emits order.processed.v1 (persistent, mandatory) and resolves once the broker confirmed it. */
export function emitOrderProcessed(client: ClientProxy, event: OrderProcessedEvent): Promise<void> {
  return lastValueFrom(
    client.emit<void>(
      EventPatterns.OrderProcessed,
      new RmqRecordBuilder(event).setOptions({ mandatory: true }).build(),
    ),
  );
}
