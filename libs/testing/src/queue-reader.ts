import type { GetMessage, Options } from 'amqplib';
import { connectBroker } from './broker';
import { waitFor } from './wait-for';

/** Takes every message currently in a queue (acking them), for assertions on dead letters. */
export async function takeMessages(queue: string): Promise<GetMessage[]> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createChannel();
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) {
        return messages;
      }
      messages.push(message);
    }
  } finally {
    await connection.close();
  }
}

/** Ready plus unacked messages of a queue, and its consumers, as the broker reports them. */
export async function queueDepth(queue: string): Promise<{ messages: number; consumers: number }> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createChannel();
    const { messageCount, consumerCount } = await channel.checkQueue(queue);
    return { messages: messageCount, consumers: consumerCount };
  } finally {
    await connection.close();
  }
}

/** Waits until a queue holds exactly `count` ready messages. */
export async function waitForQueueDepth(
  queue: string,
  count: number,
  timeoutMs = 10_000,
): Promise<void> {
  await waitFor(async () => (await queueDepth(queue)).messages === count, {
    timeoutMs,
    description: `${count} message(s) in ${queue}`,
  });
}

/** Publishes raw bytes, bypassing the messaging layer, as a foreign or broken producer would. */
export async function publishRaw(
  exchange: string,
  routingKey: string,
  content: Buffer | string,
  options: Options.Publish = {},
): Promise<void> {
  const connection = await connectBroker();
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, routingKey, Buffer.from(content), { persistent: true, ...options });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
