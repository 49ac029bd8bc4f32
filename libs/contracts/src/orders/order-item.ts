import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/** Upper bounds shared by HTTP input and messages so that both reject the same values. */
export const ORDER_LIMITS = {
  maxLines: 100,
  maxQuantity: 1_000,
  maxUnitPrice: 10_000_000,
  maxIdLength: 64,
  maxReasonLength: 500,
} as const;

/** One order line; money is an integer amount of minor units (cents) to avoid float rounding. */
export class OrderItem {
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: 'sku must be 1-64 letters, digits, dots, dashes or underscores',
  })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(ORDER_LIMITS.maxQuantity)
  quantity!: number;

  @IsInt()
  @Min(0)
  @Max(ORDER_LIMITS.maxUnitPrice)
  unitPrice!: number;
}

/** The validation of an order's lines, shared by every contract and DTO that carries them. */
export function IsOrderItems(): PropertyDecorator {
  return (target, property) => {
    IsArray()(target, property);
    ArrayMinSize(1)(target, property);
    ArrayMaxSize(ORDER_LIMITS.maxLines)(target, property);
    ValidateNested({ each: true })(target, property);
    Type(() => OrderItem)(target, property);
  };
}

/** The validation of a customer id, shared by the HTTP body and the event. */
export function IsCustomerId(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    Length(1, ORDER_LIMITS.maxIdLength)(target, property);
  };
}
