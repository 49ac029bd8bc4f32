import { Body, Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  OrderQuoteReply,
  OrderQuoteRequest,
  RequestPatterns,
  type OrderEvents,
  type OrderRequests,
} from '@app/contracts';
import { MessageBus } from '@app/messaging';
import {
  ApiBrokerUnavailable,
  ApiJsonBodyErrors,
  ApiRemoteErrors,
  schemaRef,
} from '../docs/api-docs.decorators';

/** Prices a basket by asking the consumer over request/response. */
@ApiTags('quotes')
@Controller('quotes')
export class QuotesController {
  constructor(@Inject(MessageBus) private readonly bus: MessageBus<OrderEvents, OrderRequests>) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Price a basket',
    description:
      `Asks the consumer over request/response (\`${RequestPatterns.OrderQuote}\`, direct reply-to). Money is in minor units; ` +
      '`total = subtotal - discount + tax + shipping`. No side effects: safe to retry.',
  })
  @ApiBody({ schema: schemaRef(OrderQuoteRequest) })
  @ApiOkResponse({ description: "The consumer's price.", schema: schemaRef(OrderQuoteReply) })
  @ApiJsonBodyErrors('when the consumer rejects the input, e.g. an unknown couponCode.')
  @ApiRemoteErrors()
  @ApiBrokerUnavailable()
  quote(@Body() request: OrderQuoteRequest): Promise<OrderQuoteReply> {
    return this.bus.request(RequestPatterns.OrderQuote, request);
  }
}
