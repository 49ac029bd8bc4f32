import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { messageWithoutPassword, redactUrl } from '@app/config';
import { brokerRefusal, type MessagingConfig } from '@app/messaging';

const CONNECT_TIMEOUT_MS = 5_000;

const logger = new Logger('DeadLettersAdminConnection');

/**
 * Runs `work` on a confirm channel of a connection opened for this one admin operation, then
 * closes it. Closing is also the safety net: every delivery `work` took and did not settle goes
 * back to its queue, so a failed operation never loses a message. A connection per operation keeps
 * admin traffic off the consumer's own channels and needs no reconnect logic.
 */
export async function withAdminChannel<T>(
  config: MessagingConfig,
  work: (channel: ConfirmChannel) => Promise<T>,
): Promise<T> {
  const connection = await connectToAnyNode(config);
  let channel: ConfirmChannel | undefined;
  try {
    channel = await connection.createConfirmChannel();
    // Channel errors (e.g. a missing queue) reject the pending call; the event must not crash us.
    channel.on('error', (error: Error) => logger.warn(`Admin channel closed: ${error.message}`));
    return await work(channel);
  } finally {
    // Close the channel first and wait for the broker's close-ok: acks and nacks are sent without
    // a reply, and amqplib can put a connection close on the wire ahead of them, which would turn
    // an ack into a requeue (a replayed message would then stay dead-lettered as well).
    await channel?.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

/** Tries each configured broker URL in turn; logs them without credentials. */
async function connectToAnyNode(config: MessagingConfig): Promise<ChannelModel> {
  const { urls, connectionName, socketOptions } = config.clientOptions();
  for (const url of urls) {
    try {
      const connection = await connect(url, {
        ...socketOptions,
        timeout: CONNECT_TIMEOUT_MS,
        clientProperties: { connection_name: `${connectionName} (dead-letter admin)` },
      });
      connection.on('error', (error: Error) =>
        logger.warn(`Admin connection error: ${error.message}`),
      );
      return connection;
    } catch (error) {
      const refusal = brokerRefusal(error, url);
      if (refusal) {
        logger.error(`${refusal.name}: ${refusal.message}`);
      } else {
        logger.warn(`Cannot connect to ${redactUrl(url)} (${messageWithoutPassword(error, url)})`);
      }
    }
  }
  throw new ServiceUnavailableException('RabbitMQ is unavailable; try again later');
}
