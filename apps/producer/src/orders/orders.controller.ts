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
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { EventPatterns } from '@app/contracts';
import {
  ApiBrokerUnavailable,
  ApiJsonBodyErrors,
  ApiProblemResponse,
  ApiSchemaNames,
  schemaRef,
} from '../docs/api-docs.decorators';
import { CancelOrderDto } from './dto/cancel-order.dto';
import { OrderAcceptedDto, PlaceOrderDto } from './dto/place-order.dto';
import type { OrderView } from './orders.repository';
import { OrdersService } from './orders.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The part of Fastify's reply the controller sets a header on. */
interface LocationReply {
  header(name: string, value: string): unknown;
}

const OrderIdParam = ApiParam({
  name: 'orderId',
  description: 'The id answered by POST /orders.',
  schema: { type: 'string', format: 'uuid' },
});

/** Accepts orders: a 202 means the broker confirmed the event, not that the order was processed. */
@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Place an order',
    description:
      `Publishes \`${EventPatterns.OrderPlaced}\` and answers 202 once the broker confirmed it; the consumer processes it ` +
      'asynchronously (follow it with GET /orders/{orderId}). Money is in minor units (cents).',
  })
  @ApiHeader({
    // The name @Headers() reads, so @nestjs/swagger merges the two instead of listing both.
    name: 'idempotency-key',
    required: false,
    description:
      'Repeating the request with the same key (within IDEMPOTENCY_TTL_MS, 24 h) returns the same orderId ' +
      'and publishes nothing new; the same key with another body is a 422. Retry a 503 with it.',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source, maxLength: 255 },
  })
  @ApiBody({ schema: schemaRef(PlaceOrderDto) })
  @ApiAcceptedResponse({
    description: `The broker confirmed \`${EventPatterns.OrderPlaced}\`.`,
    schema: schemaRef(OrderAcceptedDto),
  })
  @ApiJsonBodyErrors('for an Idempotency-Key that is not 1-255 visible ASCII characters.')
  @ApiUnprocessableEntityResponse({
    description: 'The Idempotency-Key was already used with a different body.',
    schema: schemaRef(ApiSchemaNames.Error),
  })
  @ApiProblemResponse(
    409,
    'A request with the same Idempotency-Key is still being handled (after waiting up to twice ' +
      'PUBLISH_TIMEOUT_MS for it); retry after `Retry-After` seconds.',
    { retryAfter: true },
  )
  @ApiBrokerUnavailable()
  async place(
    @Body() order: PlaceOrderDto,
    @Res({ passthrough: true }) reply: LocationReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<OrderAcceptedDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Validation failed',
        errors: [{ field: 'Idempotency-Key', errors: ['must be 1-255 visible ASCII characters'] }],
      });
    }
    const accepted = await this.orders.place(order, idempotencyKey);
    reply.header('Location', `/orders/${accepted.orderId}`);
    return accepted;
  }

  @Get(':orderId')
  @ApiOperation({
    summary: "Follow an order's outcome",
    description:
      `\`pending\` until the consumer publishes \`${EventPatterns.OrderProcessed}\`, then its outcome and total. ` +
      'Each producer replica knows the orders it accepted, for IDEMPOTENCY_TTL_MS.',
  })
  @OrderIdParam
  @ApiOkResponse({
    description: 'The order is known.',
    schema: schemaRef(ApiSchemaNames.OrderStatus),
  })
  @ApiBadRequestResponse({
    description: 'orderId is not a UUID.',
    schema: schemaRef(ApiSchemaNames.Error),
  })
  @ApiNotFoundResponse({
    description: 'This producer has not seen the order.',
    schema: schemaRef(ApiSchemaNames.Error),
  })
  status(@Param('orderId', new ParseUUIDPipe()) orderId: string): Promise<OrderView> {
    return this.orders.status(orderId);
  }

  @Post(':orderId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Cancel an order',
    description: `Publishes \`${EventPatterns.OrderCancelled}\` and answers 202 once the broker confirmed it. The body is optional.`,
  })
  @OrderIdParam
  @ApiBody({ required: false, schema: schemaRef(CancelOrderDto) })
  @ApiAcceptedResponse({
    description: `The broker confirmed \`${EventPatterns.OrderCancelled}\`.`,
    schema: schemaRef(OrderAcceptedDto),
  })
  @ApiJsonBodyErrors('when orderId is not a UUID (an `about:blank` problem, without `errors`).')
  @ApiBrokerUnavailable()
  async cancel(
    @Param('orderId', new ParseUUIDPipe()) orderId: string,
    @Body() body: CancelOrderDto = {},
  ): Promise<{ orderId: string }> {
    await this.orders.cancel(orderId, body);
    return { orderId };
  }
}
