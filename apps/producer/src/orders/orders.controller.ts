import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { CancelOrderDto } from './dto/cancel-order.dto';
import { OrderAcceptedDto, PlaceOrderDto } from './dto/place-order.dto';
import { OrderStatusStore, type OrderStatusDto } from './order-status.store';
import { OrdersService } from './orders.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Accepts orders: a 202 means the broker confirmed the event, not that the order was processed. */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly statuses: OrderStatusStore,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  place(
    @Body() order: PlaceOrderDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<OrderAcceptedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException({
        message: 'Validation failed',
        errors: [{ field: 'Idempotency-Key', errors: ['must be 1-255 visible ASCII characters'] }],
      });
    }
    return this.orders.place(order, idempotencyKey);
  }

  @Get(':orderId')
  status(@Param('orderId', new ParseUUIDPipe()) orderId: string): OrderStatusDto {
    const status = this.statuses.get(orderId);
    if (!status) {
      throw new NotFoundException(`Order ${orderId} is unknown to this producer`);
    }
    return status;
  }

  @Post(':orderId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  async cancel(
    @Param('orderId', new ParseUUIDPipe()) orderId: string,
    @Body() body: CancelOrderDto = {},
  ): Promise<{ orderId: string }> {
    await this.orders.cancel(orderId, body ?? {});
    return { orderId };
  }
}
