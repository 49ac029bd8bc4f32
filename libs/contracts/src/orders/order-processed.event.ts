import { IsIn, IsISO8601, IsInt, IsOptional, IsString, IsUUID, Length, Min } from 'class-validator';
import { IsCurrencyCode } from './is-currency-code';
import { ORDER_LIMITS } from './order-item';

/** Whether the consumer accepted an order; a rejection is a business outcome, not a failure. */
export type OrderOutcome = 'accepted' | 'rejected';

/** Published by the consumer after it handled `order.placed`, so others learn the outcome and the final total. */
export class OrderProcessedEvent {
  @IsUUID()
  orderId!: string;

  @IsIn(['accepted', 'rejected'])
  outcome!: OrderOutcome;

  @IsOptional()
  @IsString()
  @Length(1, ORDER_LIMITS.maxReasonLength)
  reason?: string;

  @IsInt()
  @Min(0)
  total!: number;

  @IsCurrencyCode()
  currency!: string;

  @IsISO8601({ strict: true })
  processedAt!: string;
}
