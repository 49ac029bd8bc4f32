// Jest loads this file without the projects' moduleNameMapper: resolve the @app/* aliases the
// modules below import the way the npm scripts do, from tsconfig.json's paths. First, so it
// applies to them.
import 'tsconfig-paths/register';
import { testcontainersDrivers } from './service-containers';
import type { StartedService } from './test-services';
import { provideTestServices } from './test-services';

interface GlobalWithContainers {
  __TEST_CONTAINERS__?: StartedService[];
}

/**
 * Provides every service the e2e tests need (RabbitMQ, PostgreSQL): the ones in RABBITMQ_URL and
 * DATABASE_URL when set (CI's, through .ci/run), otherwise containers of the pinned images started
 * with testcontainers, so a machine with only Docker runs `npm test`. Fails at once, saying how to
 * provide them, when neither works. The teardown stops the containers.
 */
export default async function globalSetup(): Promise<void> {
  (globalThis as GlobalWithContainers).__TEST_CONTAINERS__ = await provideTestServices(
    process.env,
    testcontainersDrivers,
  );
}
