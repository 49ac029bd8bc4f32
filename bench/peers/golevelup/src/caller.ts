// @golevelup/nestjs-rabbitmq 9 on Nest 11, the client the bench drives in its own process
// (pipeline publisher, request/response caller): RabbitMQModule.forRoot in a Nest application
// context and the AmqpConnection it provides, as a service would hold it.
import 'reflect-metadata';
import { AmqpConnection, RabbitMQModule } from '@golevelup/nestjs-rabbitmq';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { PeerCaller, PeerCallerOptions } from '../../shared/driver';
import { peerEnv } from '../../shared/peer-env';
import { publishOrderPlaced, requestQuote } from './orders.client';
import { rabbitConfig } from './rabbit.config';

export async function createCaller(options: PeerCallerOptions): Promise<PeerCaller> {
  const env = { ...peerEnv({}), ...options };

  @Module({ imports: [RabbitMQModule.forRoot(rabbitConfig(env))] })
  class CallerModule {}

  const app = await NestFactory.createApplicationContext(CallerModule, {
    logger: ['error', 'warn'],
  });
  const amqp = app.get(AmqpConnection);
  return {
    publishOrderPlaced: (event) => publishOrderPlaced(amqp, env, event),
    quote: (request) => requestQuote(amqp, env, request),
    close: () => app.close(),
  };
}
