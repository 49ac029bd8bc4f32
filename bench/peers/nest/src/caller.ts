// Stock Nest 12, the client the bench drives in its own process (pipeline publisher, request/response
// caller): ClientsModule.register in a Nest application context, as a service would hold it.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule } from '@nestjs/microservices';
import type { PeerCaller, PeerCallerOptions } from '../../shared/driver';
import { peerEnv } from '../../shared/peer-env';
import { emitOrderPlaced, requestQuote } from './orders.client';
import { clientOptions, ORDERS_CLIENT } from './rmq.options';

export async function createCaller(options: PeerCallerOptions): Promise<PeerCaller> {
  const env = { ...peerEnv({}), ...options };

  @Module({ imports: [ClientsModule.register([{ name: ORDERS_CLIENT, ...clientOptions(env) }])] })
  class CallerModule {}

  const app = await NestFactory.createApplicationContext(CallerModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get<ClientProxy>(ORDERS_CLIENT);
  await client.connect();
  return {
    publishOrderPlaced: (event) => emitOrderPlaced(client, event),
    quote: (request) => requestQuote(client, request, env.requestTimeoutMs),
    close: () => app.close(),
  };
}
