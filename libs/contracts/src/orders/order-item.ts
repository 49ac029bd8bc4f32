import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

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
