// The project's own contract classes, patterns and business rules, imported from their sources so
// that the peers validate and price exactly what the apps do. The bench transpiles these files next
// to each peer (bench/lib/peers.ts), so class-validator and class-transformer resolve from that
// peer's node_modules: one copy of each per process, as class-transformer's @Type() metadata needs.
export { EventPatterns, RequestPatterns } from '../../../libs/contracts/src/contracts';
export { OrderPlacedEvent } from '../../../libs/contracts/src/orders/order-placed.event';
export type { OrderProcessedEvent } from '../../../libs/contracts/src/orders/order-processed.event';
export {
  OrderQuoteRequest,
  type OrderQuoteReply,
} from '../../../libs/contracts/src/orders/order-quote.request';
export {
  IsCustomerId,
  IsOrderItems,
  OrderItem,
} from '../../../libs/contracts/src/orders/order-item';
export { IsCurrencyCode } from '../../../libs/contracts/src/orders/is-currency-code';
export { PRICING_RULES } from '../../../apps/consumer/src/pricing/pricing.rules';
export { ORDER_RULES } from '../../../apps/consumer/src/orders/orders.rules';
