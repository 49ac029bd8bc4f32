// @golevelup/nestjs-rabbitmq 9 on Nest 11, the consumer's side: @RabbitSubscribe on
// order.placed.v1 validates the payload (a ValidationPipe on @RabbitPayload), prices the order and
// publishes order.processed.v1 with AmqpConnection.publish() (awaited: confirmed); golevelup acks
// when the handler returns. @RabbitRPC on order.quote.v1 answers quotes over direct reply-to. Run
// as a child process by the bench.
import 'reflect-metadata';
import {
  AmqpConnection,
  RabbitMQModule,
  RabbitPayload,
  RabbitRPC,
  RabbitSubscribe,
} from '@golevelup/nestjs-rabbitmq';
import { Injectable, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
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
import { queueOptions, rabbitConfig } from './rabbit.config';

const env = peerEnv();

@Injectable()
class OrdersHandlers {
  constructor(private readonly amqp: AmqpConnection) {}

  // A failed handler (invalid payload, failed publish) gets golevelup's default error behaviour:
  // nack and requeue, at once and without limit.
  @RabbitSubscribe({
    exchange: env.exchange,
    routingKey: EventPatterns.OrderPlaced,
    queue: env.queue,
    queueOptions: queueOptions(env),
  })
  async onOrderPlaced(
    @RabbitPayload(new ValidationPipe(VALIDATION_OPTIONS)) order: OrderPlacedEvent,
  ): Promise<void> {
    await this.amqp.publish(env.exchange, EventPatterns.OrderProcessed, processOrder(order));
  }

  @RabbitRPC({
    exchange: env.exchange,
    routingKey: RequestPatterns.OrderQuote,
    queue: `${env.queue}.requests`,
    queueOptions: queueOptions(env),
  })
  quote(
    @RabbitPayload(new ValidationPipe(VALIDATION_OPTIONS)) request: OrderQuoteRequest,
  ): OrderQuoteReply {
    return quote(request.items, request.currency, request.couponCode);
  }
}

@Module({
  imports: [RabbitMQModule.forRoot(rabbitConfig(env))],
  providers: [OrdersHandlers],
})
class ConsumerModule {}

async function main(): Promise<() => Promise<unknown>> {
  const app = await NestFactory.createApplicationContext(ConsumerModule, {
    logger: ['error', 'warn'],
  });
  // init() runs onApplicationBootstrap, where golevelup sets up its handlers; app.close() (on
  // SIGTERM) cancels the consumers and waits for handlers in flight.
  await app.init();
  return () => app.close();
}

runService(main);
