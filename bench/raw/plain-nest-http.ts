// The "plain Nest" counterpart of the producer, run as a child process by the bench (workload 2):
// a minimal Nest 12 app on the default (Express) adapter whose POST /orders builds the same
// order.placed.v1 payload as raw-http.ts, hands it to ClientProxy.emit() of the stock RMQ transport
// WITHOUT waiting for the outcome, and answers 202 at once. Nest's defaults otherwise: a
// non-persistent publish with sendToQueue straight into the consumer's work queue (default
// exchange, body `{ pattern, data }`), no messageId, no validation, no logs. It is what issue #5's
// target compares the producer with; it promises less (see bench/README.md).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule, Transport } from '@nestjs/microservices';
import { runService } from './raw-service';

const env = process.env;
const url = (env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672').split(',')[0];
const queue = env.RABBITMQ_QUEUE ?? 'orders';
const port = Number(env.PORT ?? 3000);

const ORDERS_CLIENT = 'ORDERS_CLIENT';

interface PlaceOrder {
  customerId: string;
  items: unknown[];
  currency: string;
}

@Controller()
class OrdersController {
  constructor(@Inject(ORDERS_CLIENT) private readonly client: ClientProxy) {}

  @Post('orders')
  @HttpCode(202)
  placeOrder(@Body() body: PlaceOrder): { orderId: string } {
    const orderId = randomUUID();
    // emit() is hot: it publishes without a subscriber. Nothing waits for the broker's confirm (or
    // hears of a failure): the client answers 202 right away, as such apps usually do.
    this.client.emit('order.placed.v1', {
      orderId,
      customerId: body.customerId,
      items: body.items,
      currency: body.currency,
      placedAt: new Date().toISOString(),
    });
    return { orderId };
  }
}

@Module({
  imports: [
    ClientsModule.register([
      {
        name: ORDERS_CLIENT,
        transport: Transport.RMQ,
        options: {
          urls: [url],
          queue,
          // What a plain app would declare; the consumer app declared the queue already, with
          // dead-letter, overflow and delivery-limit arguments of its own, so asserting only these
          // would fail with PRECONDITION_FAILED. noAssert skips the declaration (these options are
          // then unused); it costs nothing per request either way.
          queueOptions: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
          noAssert: true,
        },
      },
    ]),
  ],
  controllers: [OrdersController],
})
class AppModule {}

async function main(): Promise<() => Promise<unknown>> {
  const app = await NestFactory.create(AppModule, { logger: false });
  // Connect before taking requests (Nest would otherwise connect on the first emit()).
  await app.get<ClientProxy>(ORDERS_CLIENT).connect();
  await app.listen(port, '127.0.0.1');

  return () => app.close();
}

runService(main);
