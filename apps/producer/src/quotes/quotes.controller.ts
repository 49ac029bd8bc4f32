import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import {
  OrderQuoteRequest,
  RequestPatterns,
  type OrderEvents,
  type OrderQuoteReply,
  type OrderRequests,
} from '@app/contracts';
import { MessageBus } from '@app/messaging';

/** Prices a basket by asking the consumer over request/response. */
@Controller('quotes')
export class QuotesController {
  constructor(@Inject(MessageBus) private readonly bus: MessageBus<OrderEvents, OrderRequests>) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  quote(@Body() request: OrderQuoteRequest): Promise<OrderQuoteReply> {
    return this.bus.request(RequestPatterns.OrderQuote, request);
  }
}
