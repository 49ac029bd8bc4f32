import { queueNames, retryDelays } from '@app/messaging';
import { brokerUrl, connectBroker, uniqueName } from './broker';

/** Environment variables for one test's services: its own exchange, fast retries, quick reconnects. */
export function isolatedBrokerEnv(label: string): Record<string, string> {
  return {
    RABBITMQ_URL: brokerUrl(),
    RABBITMQ_EXCHANGE: uniqueName(`${label}.events`),
    RABBITMQ_RECONNECT_SECONDS: '1',
    RABBITMQ_HEARTBEAT_SECONDS: '5',
    RETRY_MAX_ATTEMPTS: '3',
    RETRY_INITIAL_DELAY_MS: '200',
    RETRY_MULTIPLIER: '2',
    SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: process.env.E2E_LOGS ? 'info' : 'silent',
  };
}

/** Deletes the exchange and every queue a test's services declared, so runs leave nothing behind. */
export async function deleteTopology(env: Record<string, string>, queues: string[]): Promise<void> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createChannel();
    const delays = retryDelays({
      maxAttempts: Number(env.RETRY_MAX_ATTEMPTS ?? 5),
      initialDelayMs: Number(env.RETRY_INITIAL_DELAY_MS ?? 1_500),
      multiplier: Number(env.RETRY_MULTIPLIER ?? 3),
    });
    for (const queue of queues) {
      const names = queueNames(queue);
      for (const name of [
        names.work,
        names.requests,
        names.deadLetter,
        ...delays.map(names.retry),
      ]) {
        await channel.deleteQueue(name);
      }
    }
    if (env.RABBITMQ_EXCHANGE) {
      await channel.deleteExchange(env.RABBITMQ_EXCHANGE);
    }
  } finally {
    await connection.close();
  }
}
