import { IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { IsCurrencyCode } from './is-currency-code';
import { IsOrderItems, OrderItem } from './order-item';

/** Asks the consumer to price a basket before an order is placed. */
export class OrderQuoteRequest {
  @IsOrderItems()
  items!: OrderItem[];

  @IsCurrencyCode()
  currency!: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{1,32}$/, { message: 'couponCode must be 1-32 upper-case letters or digits' })
  couponCode?: string;
}

/**
 * The consumer's price for a basket: `total = subtotal - discount + tax + shipping`, all in minor units.
 * Its validators feed the generated schemas (AsyncAPI, OpenAPI); replies are not validated at run time.
 */
export class OrderQuoteReply {
  @IsInt()
  @Min(0)
  subtotal!: number;

  @IsInt()
  @Min(0)
  discount!: number;

  @IsInt()
  @Min(0)
  tax!: number;

  @IsInt()
  @Min(0)
  shipping!: number;

  @IsInt()
  @Min(0)
  total!: number;

  @IsCurrencyCode()
  currency!: string;
}
