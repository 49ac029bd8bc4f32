import { Client } from 'pg';
import { connectBroker } from './broker';

interface GlobalWithContainer {
  __RABBITMQ_CONTAINER__?: { stop(): Promise<unknown> };
}

/**
 * Provides a RabbitMQ for the e2e tests: the one in RABBITMQ_URL when set, otherwise a container
 * started with testcontainers. Fails at once, saying how to provide one, when neither works.
 */
export default async function globalSetup(): Promise<void> {
  await checkDatabase();
  await provideBroker();
}

/**
 * The services' databases: schemas of the PostgreSQL in DATABASE_URL when set (it must answer);
 * otherwise each test service gets an embedded database folder, and tests that need replicas of a
 * service (one database shared by two processes) fail, saying PostgreSQL is required.
 */
async function checkDatabase(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    return;
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    throw new Error(
      `Cannot reach the PostgreSQL in DATABASE_URL (${String(error)}). Start it, or unset ` +
        'DATABASE_URL to give each test service an embedded database.',
      { cause: error },
    );
  }
}

async function provideBroker(): Promise<void> {
  if (process.env.RABBITMQ_URL) {
    try {
      const connection = await connectBroker(process.env.RABBITMQ_URL);
      await connection.close();
      return;
    } catch (error) {
      throw new Error(
        `Cannot reach the RabbitMQ in RABBITMQ_URL (${String(error)}). Start it ` +
          '(e.g. `rabbitmq-server -detached`) or unset RABBITMQ_URL to use a Docker container.',
        { cause: error },
      );
    }
  }
  try {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const container = await new RabbitMQContainer('rabbitmq:3.13-management').start();
    process.env.RABBITMQ_URL = container.getAmqpUrl();
    (globalThis as GlobalWithContainer).__RABBITMQ_CONTAINER__ = container;
  } catch (error) {
    throw new Error(
      `No broker for the e2e tests: RABBITMQ_URL is not set and testcontainers could not start ` +
        `RabbitMQ (${String(error)}). Set RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672 for a ` +
        'local broker, or start Docker.',
      { cause: error },
    );
  }
}
