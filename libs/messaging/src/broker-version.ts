import type { Channel } from 'amqplib';

/** A RabbitMQ release, as the broker reports it when a connection opens. */
export interface BrokerVersion {
  major: number;
  minor: number;
  patch: number;
}

/** The oldest RabbitMQ the services support: quorum queues with at-least-once dead-lettering. */
export const OLDEST_SUPPORTED_BROKER: BrokerVersion = { major: 3, minor: 10, patch: 0 };

/**
 * The broker series the documents show queue arguments for (docs/talking-to-the-services.md, the
 * AsyncAPI document): RabbitMQ 4, what users run. Where 3.x differs, they say so.
 */
export const DOCUMENTED_BROKER: BrokerVersion = { major: 4, minor: 0, patch: 0 };

/** `3.10.8`, `4.2.5`, `4.3.0-rc.1` → its numbers; anything else → undefined. */
export function parseBrokerVersion(version: unknown): BrokerVersion | undefined {
  const text = Buffer.isBuffer(version) ? version.toString('utf8') : version;
  const match = typeof text === 'string' ? /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text) : null;
  return match
    ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) }
    : undefined;
}

/**
 * The version the broker at the other end of a channel reported in `connection.start` (amqplib
 * keeps it as `serverProperties.version`); undefined when it reported none, or for a test's fake.
 */
export function brokerVersionOf(channel: Pick<Channel, 'connection'>): BrokerVersion | undefined {
  const connection = (channel as { connection?: Partial<Channel['connection']> }).connection;
  return parseBrokerVersion(connection?.serverProperties?.version);
}

/** Whether the services support this broker (RabbitMQ 3.10 and later, 4.x included). */
export function isSupportedBroker(version: BrokerVersion): boolean {
  const oldest = OLDEST_SUPPORTED_BROKER;
  return version.major !== oldest.major
    ? version.major > oldest.major
    : version.minor >= oldest.minor;
}

/** `4.2.5`. */
export function formatBrokerVersion(version: BrokerVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
