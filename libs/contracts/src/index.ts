export * from './orders/order-item';
export * from './orders/order-placed.event';
export * from './orders/order-cancelled.event';
export * from './orders/order-processed.event';
export * from './orders/order-quote.request';
export * from './patterns';
export * from './orders/is-currency-code';
