import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO8601,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { IsCurrencyCode } from './is-currency-code';
import { ORDER_LIMITS, OrderItem } from './order-item';

/** Published by the producer once an order is accepted over HTTP; the consumer prices and processes it. */
export class OrderPlacedEvent {
  @IsUUID()
  orderId!: string;

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

  @IsISO8601({ strict: true })
  placedAt!: string;
}
