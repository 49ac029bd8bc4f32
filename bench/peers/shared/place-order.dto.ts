import { IsCurrencyCode, IsCustomerId, IsOrderItems, OrderItem } from './contracts';

/** The body of `POST /orders`, validated with the same decorators as the producer's PlaceOrderDto. */
export class PlaceOrderDto {
  @IsCustomerId()
  customerId!: string;

  @IsOrderItems()
  items!: OrderItem[];

  @IsCurrencyCode()
  currency!: string;
}
