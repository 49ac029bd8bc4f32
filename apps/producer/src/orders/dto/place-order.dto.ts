import { IsUUID } from 'class-validator';
import { IsCurrencyCode, IsCustomerId, IsOrderItems, OrderItem } from '@app/contracts';

/** Body of `POST /orders`; the producer adds the order id and the time. */
export class PlaceOrderDto {
  @IsCustomerId()
  customerId!: string;

  @IsOrderItems()
  items!: OrderItem[];

  @IsCurrencyCode()
  currency!: string;
}

/**
 * Answer of `POST /orders`: where to look for the order's outcome. Its validator feeds the OpenAPI
 * schema; answers are not validated at run time.
 */
export class OrderAcceptedDto {
  @IsUUID()
  orderId!: string;
}
