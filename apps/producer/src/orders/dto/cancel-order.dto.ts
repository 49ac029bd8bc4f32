import { IsOptional, IsString, Length } from 'class-validator';
import { ORDER_LIMITS } from '@app/contracts';

/** Optional body of `POST /orders/:orderId/cancel`. */
export class CancelOrderDto {
  @IsOptional()
  @IsString()
  @Length(1, ORDER_LIMITS.maxReasonLength)
  reason?: string;
}
