// @golevelup/nestjs-rabbitmq 9 on Nest 11, the producer's side: a Nest app on Fastify (the
// adapter our producer uses, so that only the messaging differs) whose POST /orders validates the
// body, publishes order.placed.v1 with AmqpConnection.publish() and answers 202 once it resolved,
// i.e. once the broker confirmed it; POST /quotes asks order.quote.v1 with AmqpConnection.request().
// Run as a child process by the bench.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { AmqpConnection, RabbitMQModule } from '@golevelup/nestjs-rabbitmq';
import { Body, Controller, HttpCode, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { runService } from '../../../raw/raw-service';
import { OrderQuoteRequest, type OrderQuoteReply } from '../../shared/contracts';
import { HTTP_VALIDATION_OPTIONS, peerEnv } from '../../shared/peer-env';
import { PlaceOrderDto } from '../../shared/place-order.dto';
import { publishOrderPlaced, requestQuote } from './orders.client';
import { rabbitConfig } from './rabbit.config';

const env = peerEnv();

@Controller()
class OrdersController {
  constructor(private readonly amqp: AmqpConnection) {}

  @Post('orders')
  @HttpCode(202)
  async placeOrder(@Body() body: PlaceOrderDto): Promise<{ orderId: string }> {
    const orderId = randomUUID();
    await publishOrderPlaced(this.amqp, env, {
      orderId,
      customerId: body.customerId,
      items: body.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
      currency: body.currency,
      placedAt: new Date().toISOString(),
    });
    return { orderId };
  }

  @Post('quotes')
  @HttpCode(200)
  quote(@Body() request: OrderQuoteRequest): Promise<OrderQuoteReply> {
    return requestQuote(this.amqp, env, request);
  }
}

@Module({
  imports: [RabbitMQModule.forRoot(rabbitConfig(env))],
  controllers: [OrdersController],
})
class HttpModule {}

async function main(): Promise<() => Promise<unknown>> {
  const app = await NestFactory.create<NestFastifyApplication>(HttpModule, new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  app.useGlobalPipes(new ValidationPipe(HTTP_VALIDATION_OPTIONS));
  await app.listen(env.port, '127.0.0.1');
  return () => app.close();
}

runService(main);
