// Stock Nest 12, the consumer's side: @EventPattern('order.placed.v1') validates the payload,
// prices the order, emits order.processed.v1 (persistent, mandatory, awaited: the broker
// confirmed it) and then acks by hand, as Nest's documentation shows for `noAck: false`;
// @MessagePattern('order.quote.v1') answers quotes. Run as a child process by the bench.
import 'reflect-metadata';
import {
  Controller,
  Inject,
  Module,
  UsePipes,
  ValidationPipe,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxy,
  ClientsModule,
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  RmqContext,
  RpcException,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import type { Channel, Message } from 'amqplib';
import { runService } from '../../../raw/raw-service';
import {
  EventPatterns,
  OrderPlacedEvent,
  OrderQuoteRequest,
  RequestPatterns,
  type OrderQuoteReply,
} from '../../shared/contracts';
import { processOrder, quote } from '../../shared/orders';
import { peerEnv, VALIDATION_OPTIONS } from '../../shared/peer-env';
import { emitOrderProcessed } from './orders.client';
import { clientOptions, ORDERS_CLIENT, serverOptions } from './rmq.options';

const env = peerEnv();

/** Acks the message being handled, the way Nest documents it for `noAck: false`. */
function ack(context: RmqContext): void {
  // Nest types the channel and the message as `any`: they are amqplib's.
  const channel = context.getChannelRef() as Channel;
  channel.ack(context.getMessage() as Message);
}

@Controller()
// Nest's documented way to validate microservice payloads: a ValidationPipe whose errors are
// RpcExceptions. For an event, the exception filter then only logs: the message stays unacked.
@UsePipes(
  new ValidationPipe({
    ...VALIDATION_OPTIONS,
    exceptionFactory: (errors) => new RpcException(errors),
  }),
)
class OrdersController implements OnApplicationBootstrap {
  constructor(@Inject(ORDERS_CLIENT) private readonly client: ClientProxy) {}

  /** Connects the publisher before the first event rather than on it. */
  onApplicationBootstrap(): Promise<void> {
    return this.client.connect();
  }

  // `<string>` picks EventPattern's untyped overload: the typed one (Nest 12) types every argument
  // after the payload as `unknown`, which rejects the documented `@Ctx() context: RmqContext`.
  @EventPattern<string>(EventPatterns.OrderPlaced)
  async onOrderPlaced(@Payload() order: OrderPlacedEvent, @Ctx() context: RmqContext) {
    await emitOrderProcessed(this.client, processOrder(order));
    ack(context);
  }

  @MessagePattern(RequestPatterns.OrderQuote)
  quote(@Payload() request: OrderQuoteRequest, @Ctx() context: RmqContext): OrderQuoteReply {
    // Nest never acks a request either: acked first, as in Nest's documentation (the reply goes over
    // direct reply-to, which is at-most-once anyway), so a failing quote does not hold its message.
    ack(context);
    return quote(request.items, request.currency, request.couponCode);
  }
}

@Module({
  imports: [ClientsModule.register([{ name: ORDERS_CLIENT, ...clientOptions(env) }])],
  controllers: [OrdersController],
})
class ConsumerModule {}

async function main(): Promise<() => Promise<unknown>> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(ConsumerModule, {
    ...serverOptions(env),
    logger: ['error', 'warn'],
  });
  await app.listen();
  return () => app.close();
}

runService(main);
