import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ORDER_LIMITS } from './order-item';

/** What a cancellation did: the order ended cancelled, or it was already rejected (nothing to cancel). */
export type CancellationOutcome = 'cancelled' | 'refused';

/**
 * Published by the consumer when it applied a cancellation: whatever the order of arrival
 * (before the order was processed, or after it was accepted) a cancellation that was accepted ends
 * the order `cancelled`; an order already rejected stays rejected (`refused`).
 */
export class OrderCancellationProcessedEvent {
  @IsUUID()
  orderId!: string;

  @IsIn(['cancelled', 'refused'])
  outcome!: CancellationOutcome;

  @IsOptional()
  @IsString()
  @Length(1, ORDER_LIMITS.maxReasonLength)
  reason?: string;

  @IsISO8601({ strict: true })
  processedAt!: string;
}
