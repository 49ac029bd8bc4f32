import { connect, type ChannelModel } from 'amqplib';

/** The broker the tests use: RABBITMQ_URL (set by .ci/run, or by the global setup's container). */
export function brokerUrl(): string {
  const url = process.env.RABBITMQ_URL?.split(',')[0]?.trim();
  if (!url) {
    throw new Error(
      'RABBITMQ_URL is not set. Run the tests through `npm test` (its global setup provides a broker), ' +
        'or export RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672 for a local RabbitMQ.',
    );
  }
  return url;
}

/** Opens a plain amqplib connection, failing fast (rather than hanging) when the broker is away. */
export async function connectBroker(url = brokerUrl(), timeoutMs = 5_000): Promise<ChannelModel> {
  return connect(url, { timeout: timeoutMs });
}

/** A name no other test run uses, so runs never see each other's queues and messages. */
export function uniqueName(prefix: string): string {
  return `${prefix}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
}
