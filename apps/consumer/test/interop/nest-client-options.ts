import { Transport, type RmqOptions } from '@nestjs/microservices';

// Stock `Transport.RMQ` client options that match the services' topology. Shown verbatim in
// docs/talking-to-the-services.md and used as they are by interop-nest-client.e2e-spec.ts.
// The defaults are the services' defaults: RABBITMQ_URL, RABBITMQ_EXCHANGE, the consumer's queue.

/** Recommended: publish to the exchange with the pattern as the routing key, like our producer. */
export const viaExchange = (
  url = 'amqp://guest:guest@localhost:5672',
  exchange = 'events',
): RmqOptions => ({
  transport: Transport.RMQ,
  options: {
    urls: [url],
    exchange,
    exchangeType: 'topic',
    // Makes ClientRMQ publish to `exchange` with the pattern as routing key (and assert the
    // exchange as a durable topic exchange, which matches), instead of sending to one queue.
    wildcards: true,
    persistent: true,
  },
});

/** Events straight to the consumer's work queue, declared with exactly its arguments. */
export const toWorkQueue = (
  url = 'amqp://guest:guest@localhost:5672',
  queue = 'consumer',
): RmqOptions => ({
  transport: Transport.RMQ,
  options: {
    urls: [url],
    queue,
    persistent: true,
    queueOptions: {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': `${queue}.dlq`,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
        'x-delivery-limit': 10,
      },
    },
  },
});

/** Requests straight to the consumer's request queue, without declaring it (`noAssert`). */
export const toRequestQueue = (
  url = 'amqp://guest:guest@localhost:5672',
  queue = 'consumer',
): RmqOptions => ({
  transport: Transport.RMQ,
  options: { urls: [url], queue: `${queue}.requests`, noAssert: true },
});
