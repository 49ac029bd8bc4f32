import { IsISO8601, IsString, IsUUID, Length } from 'class-validator';
import { ORDER_LIMITS } from './order-item';

/** Published when a customer cancels an order; consumers release whatever they reserved for it. */
export class OrderCancelledEvent {
  @IsUUID()
  orderId!: string;

  @IsString()
  @Length(1, ORDER_LIMITS.maxReasonLength)
  reason!: string;

  @IsISO8601({ strict: true })
  cancelledAt!: string;
}
