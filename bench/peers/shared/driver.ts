// What the bench process drives in a peer: its client side (publisher and caller), loaded into the
// bench process from the peer's build, like ours (RabbitClient) and raw (amqplib) are used there.
// Types only, so that the bench can import it without either peer's dependencies.
import type { OrderPlacedEvent } from '../../../libs/contracts/src/orders/order-placed.event';
import type {
  OrderQuoteReply,
  OrderQuoteRequest,
} from '../../../libs/contracts/src/orders/order-quote.request';

export interface PeerCallerOptions {
  url: string;
  exchange: string;
  requestTimeoutMs: number;
  noDelay: boolean;
}

/** The peer library's own publisher and request/response caller, configured as its service is. */
export interface PeerCaller {
  /** Publishes order.placed.v1; resolves when the library says the publish is done. */
  publishOrderPlaced(event: OrderPlacedEvent): Promise<void>;
  /** Asks order.quote.v1 and resolves with the reply. */
  quote(request: OrderQuoteRequest): Promise<OrderQuoteReply>;
  close(): Promise<void>;
}

/** What `caller.js` of each peer's build exports. */
export interface PeerCallerModule {
  createCaller: (options: PeerCallerOptions) => Promise<PeerCaller>;
}
