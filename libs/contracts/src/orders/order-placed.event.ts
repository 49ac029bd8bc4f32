import { IsISO8601, IsUUID } from 'class-validator';
import { IsCurrencyCode } from './is-currency-code';
import { IsCustomerId, IsOrderItems, OrderItem } from './order-item';

/** Published by the producer once an order is accepted over HTTP; the consumer prices and processes it. */
export class OrderPlacedEvent {
  @IsUUID()
  orderId!: string;

  @IsCustomerId()
  customerId!: string;

  @IsOrderItems()
  items!: OrderItem[];

  @IsCurrencyCode()
  currency!: string;

  @IsISO8601({ strict: true })
  placedAt!: string;
}
