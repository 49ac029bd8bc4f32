import type { RabbitMQConfig } from '@golevelup/nestjs-rabbitmq';
import type { PeerEnv } from '../../shared/peer-env';

/**
 * RabbitMQModule.forRoot() as every part of this peer configures it: the run's topic exchange
 * (asserted durable), the bench's prefetch on the default channel (where the handlers consume),
 * every publish persistent and mandatory. amqp-connection-manager's channel is a confirm channel,
 * so an awaited publish() resolves on the broker's confirm. golevelup passes `mandatory` through
 * but nothing listens for returns: an unroutable publish resolves all the same.
 */
export function rabbitConfig(env: PeerEnv): RabbitMQConfig {
  return {
    uri: env.url,
    exchanges: [{ name: env.exchange, type: 'topic', options: { durable: true } }],
    prefetchCount: env.prefetch,
    defaultPublishOptions: { persistent: true, mandatory: true },
    defaultRpcTimeout: env.requestTimeoutMs,
    connectionInitOptions: { wait: true },
    connectionManagerOptions: { connectionOptions: { noDelay: env.noDelay } },
  };
}

/** The queue arguments of every queue this peer declares: the bench's queue type. */
export function queueOptions(env: PeerEnv) {
  return { durable: true, arguments: { 'x-queue-type': env.queueType } };
}
