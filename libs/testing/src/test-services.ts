import { messageWithoutPassword } from '@app/config';
import { SERVICE_IMAGES } from './service-images';
import { TestServiceUnavailableError } from './test-service.errors';

/** A service the e2e tests need, by the key of its image in {@link SERVICE_IMAGES}. */
export type TestServiceName = keyof typeof SERVICE_IMAGES;

/** A container started for the run: where it listens, and how the teardown stops it. */
export interface StartedService {
  url: string;
  stop(): Promise<unknown>;
}

/**
 * What providing the services needs from outside: Docker and the network. The global setup passes
 * testcontainers and real connections (service-containers.ts); the unit tests pass fakes.
 */
export interface TestServiceDrivers {
  /** Starts a container of `image`; resolves once the service in it answers. */
  start(service: TestServiceName, image: string): Promise<StartedService>;
  /** Resolves when the service at `url` answers; rejects with why not. */
  probe(service: TestServiceName, url: string): Promise<void>;
}

/** Every service the e2e tests need, with the variable that points them at a running one. */
export const TEST_SERVICES: readonly { name: TestServiceName; label: string; variable: string }[] =
  [
    { name: 'rabbitmq', label: 'RabbitMQ', variable: 'RABBITMQ_URL' },
    { name: 'postgres', label: 'PostgreSQL', variable: 'DATABASE_URL' },
  ];

/**
 * Gives the run every service it needs: the one in its variable when that is set (it must answer;
 * no container is started for it), otherwise a container of its pinned image, whose URL is then
 * written to `env` for the tests and the services they start. Returns the containers started, for
 * the teardown. Fails with a TestServiceUnavailableError when a service cannot be had, after
 * stopping any container it did start, so a failed set-up leaves nothing running.
 */
export async function provideTestServices(
  env: NodeJS.ProcessEnv,
  drivers: TestServiceDrivers,
): Promise<StartedService[]> {
  const outcomes = await Promise.allSettled(
    TEST_SERVICES.map(async (service) => {
      const url = env[service.variable];
      if (url) {
        // A list of cluster nodes: the first one is the one the tests talk to.
        const first = url.split(',')[0].trim();
        await drivers.probe(service.name, first).catch((error: unknown) => {
          throw new TestServiceUnavailableError(
            service.label,
            service.variable,
            undefined,
            messageWithoutPassword(error, first),
            { cause: error },
          );
        });
        return { service, container: undefined };
      }
      const image = SERVICE_IMAGES[service.name];
      const container = await drivers.start(service.name, image).catch((error: unknown) => {
        throw new TestServiceUnavailableError(
          service.label,
          service.variable,
          image,
          error instanceof Error ? error.message : String(error),
          { cause: error },
        );
      });
      return { service, container };
    }),
  );
  const provided = outcomes.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) {
    await Promise.allSettled(
      provided.flatMap(({ container }) => (container ? [container.stop()] : [])),
    );
    throw failure.reason;
  }
  const started: StartedService[] = [];
  for (const { service, container } of provided) {
    if (container) {
      env[service.variable] = container.url;
      started.push(container);
    }
  }
  return started;
}
