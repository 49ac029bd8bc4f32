// Stock Nest 12, the producer's side: a Nest app on Fastify (the adapter our producer uses, so that
// only the messaging differs) whose POST /orders validates the body, emits order.placed.v1 and
// answers 202 once the emit resolved, i.e. once the broker confirmed it; POST /quotes asks
// order.quote.v1 with ClientProxy.send(). Run as a child process by the bench.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  HttpCode,
  Inject,
  Module,
  Post,
  ValidationPipe,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { runService } from '../../../raw/raw-service';
import { OrderQuoteRequest, type OrderQuoteReply } from '../../shared/contracts';
import { HTTP_VALIDATION_OPTIONS, peerEnv } from '../../shared/peer-env';
import { PlaceOrderDto } from '../../shared/place-order.dto';
import { emitOrderPlaced, requestQuote } from './orders.client';
import { clientOptions, ORDERS_CLIENT } from './rmq.options';

const env = peerEnv();

@Controller()
class OrdersController implements OnApplicationBootstrap {
  constructor(@Inject(ORDERS_CLIENT) private readonly client: ClientProxy) {}

  /** Connects before the first request rather than on it. */
  onApplicationBootstrap(): Promise<void> {
    return this.client.connect();
  }

  @Post('orders')
  @HttpCode(202)
  async placeOrder(@Body() body: PlaceOrderDto): Promise<{ orderId: string }> {
    const orderId = randomUUID();
    await emitOrderPlaced(this.client, {
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
    return requestQuote(this.client, request, env.requestTimeoutMs);
  }
}

@Module({
  imports: [ClientsModule.register([{ name: ORDERS_CLIENT, ...clientOptions(env) }])],
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
