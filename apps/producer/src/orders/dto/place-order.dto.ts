import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { IsCurrencyCode, ORDER_LIMITS, OrderItem } from '@app/contracts';

/** Body of `POST /orders`; the producer adds the order id and the time. */
export class PlaceOrderDto {
  @IsString()
  @Length(1, ORDER_LIMITS.maxIdLength)
  customerId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LIMITS.maxLines)
  @ValidateNested({ each: true })
  @Type(() => OrderItem)
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
