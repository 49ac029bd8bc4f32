import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { connectBroker } from './broker';
import type { StartedService, TestServiceDrivers, TestServiceName } from './test-services';

/**
 * Starts each service with its testcontainers module, which waits until the service answers. The
 * modules are imported only when a container is needed, so a run against services of its own
 * never loads Docker's client.
 */
const CONTAINERS: Record<TestServiceName, (image: string) => Promise<StartedService>> = {
  async rabbitmq(image) {
    const { RabbitMQContainer } = await loadModule(() => import('@testcontainers/rabbitmq'));
    const container = await new RabbitMQContainer(image).start();
    return { url: container.getAmqpUrl(), stop: () => container.stop() };
  },
  async postgres(image) {
    const { PostgreSqlContainer } = await loadModule(() => import('@testcontainers/postgresql'));
    const container = await new PostgreSqlContainer(image).start();
    return { url: container.getConnectionUri(), stop: () => container.stop() };
  },
};

/**
 * Imports a testcontainers module, saying which Node it needs when it cannot be loaded: testcontainers
 * 12 declares Node >= 22.22 and fails on import on older ones (its HTTP client uses zstd, which
 * Node 20 lacks), with an error that names neither.
 */
async function loadModule<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const manifest = join(dirname(require.resolve('testcontainers')), '..', 'package.json');
    const { engines } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      engines?: { node?: string };
    };
    throw new Error(
      `testcontainers cannot be loaded on Node ${process.version} (it needs Node ` +
        `${engines?.node ?? 'newer'}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Opens and closes one connection, failing fast (rather than hanging) when nothing answers. */
const PROBES: Record<TestServiceName, (url: string) => Promise<void>> = {
  async rabbitmq(url) {
    const connection = await connectBroker(url);
    await connection.close();
  },
  async postgres(url) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    await client.end();
  },
};

/** The real drivers: Docker through testcontainers, and real connections. */
export const testcontainersDrivers: TestServiceDrivers = {
  start: (service, image) => CONTAINERS[service](image),
  probe: (service, url) => PROBES[service](url),
};
