import { Transport, type RmqOptions } from '@nestjs/microservices';
import type { PeerEnv } from '../../shared/peer-env';

/** The injection token of the peer's ClientProxy (ClientsModule.register). */
export const ORDERS_CLIENT = 'ORDERS_CLIENT';

type RmqSettings = NonNullable<RmqOptions['options']>;

function socketOptions(env: PeerEnv): RmqSettings['socketOptions'] {
  return { connectionOptions: { noDelay: env.noDelay } };
}

/**
 * The client side of Nest's RMQ transport on the run's topic exchange. On a client, `wildcards` is
 * the switch that makes emit()/send() publish to `exchange` with the pattern as routing key
 * (without it they sendToQueue() straight into one queue, past the exchange). `persistent` marks
 * every message persistent; amqp-connection-manager's channel is a confirm channel, so an awaited
 * emit() resolves on the broker's confirm.
 */
export function clientOptions(env: PeerEnv): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [env.url],
      exchange: env.exchange,
      exchangeType: 'topic',
      wildcards: true,
      persistent: true,
      socketOptions: socketOptions(env),
    },
  };
}

/**
 * The server side: one queue for the service (Nest binds every handler's pattern to it when
 * `wildcards` is set), of the bench's queue type, manual acks and the bench's prefetch.
 */
export function serverOptions(env: PeerEnv): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [env.url],
      queue: env.queue,
      queueOptions: { durable: true, arguments: { 'x-queue-type': env.queueType } },
      noAck: false,
      prefetchCount: env.prefetch,
      exchange: env.exchange,
      exchangeType: 'topic',
      wildcards: true,
      socketOptions: socketOptions(env),
    },
  };
}
