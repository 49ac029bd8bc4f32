import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { IsCurrencyCode } from './is-currency-code';
import { ORDER_LIMITS, OrderItem } from './order-item';

/** Asks the consumer to price a basket before an order is placed. */
export class OrderQuoteRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LIMITS.maxLines)
  @ValidateNested({ each: true })
  @Type(() => OrderItem)
  items!: OrderItem[];

  @IsCurrencyCode()
  currency!: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{1,32}$/, { message: 'couponCode must be 1-32 upper-case letters or digits' })
  couponCode?: string;
}

/** The consumer's price for a basket: `total = subtotal - discount + tax + shipping`, all in minor units. */
export class OrderQuoteReply {
  subtotal!: number;
  discount!: number;
  tax!: number;
  shipping!: number;
  total!: number;
  currency!: string;
}
