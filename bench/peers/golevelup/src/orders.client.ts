import type { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import {
  EventPatterns,
  RequestPatterns,
  type OrderPlacedEvent,
  type OrderQuoteReply,
  type OrderQuoteRequest,
} from '../../shared/contracts';
import type { PeerEnv } from '../../shared/peer-env';

/**
 * Publishes order.placed.v1 (persistent and mandatory by the module's defaultPublishOptions, the
 * order id as messageId) and resolves once the broker confirmed it.
 */
export async function publishOrderPlaced(
  amqp: AmqpConnection,
  env: PeerEnv,
  event: OrderPlacedEvent,
): Promise<void> {
  await amqp.publish(env.exchange, EventPatterns.OrderPlaced, event, {
    messageId: event.orderId,
  });
}

/**
 * Asks order.quote.v1 with AmqpConnection.request() over direct reply-to. The request is not
 * persistent and expires when the caller stops waiting, as ours.
 */
export function requestQuote(
  amqp: AmqpConnection,
  env: PeerEnv,
  request: OrderQuoteRequest,
): Promise<OrderQuoteReply> {
  return amqp.request<OrderQuoteReply>({
    exchange: env.exchange,
    routingKey: RequestPatterns.OrderQuote,
    payload: request,
    timeout: env.requestTimeoutMs,
    expiration: env.requestTimeoutMs,
    publishOptions: { persistent: false },
  });
}
