import { SERVICE_IMAGES } from './service-images';
import { TestServiceUnavailableError } from './test-service.errors';
import {
  provideTestServices,
  type TestServiceDrivers,
  type TestServiceName,
} from './test-services';

/** Drivers that start and probe nothing real, recording what they were asked to do. */
function fakeDrivers(failing: { start?: TestServiceName; probe?: TestServiceName } = {}) {
  const stopped: string[] = [];
  const drivers = {
    start: jest.fn((service: TestServiceName, image: string) =>
      service === failing.start
        ? Promise.reject(new Error('Could not find a working container runtime strategy'))
        : Promise.resolve({
            url: `${service}://container/${image}`,
            stop: () => Promise.resolve(stopped.push(service)),
          }),
    ),
    probe: jest.fn((service: TestServiceName, url: string) =>
      service === failing.probe
        ? Promise.reject(new Error(`connect ECONNREFUSED for ${url}`))
        : Promise.resolve(),
    ),
  } satisfies TestServiceDrivers;
  return { drivers, stopped };
}

async function failureOf(promise: Promise<unknown>): Promise<TestServiceUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TestServiceUnavailableError);
  return error as TestServiceUnavailableError;
}

describe(provideTestServices.name, () => {
  it('uses the services the variables name, starting no container', async () => {
    const { drivers } = fakeDrivers();
    const env = {
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672,amqp://guest:guest@127.0.0.1:5673',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    };

    expect(await provideTestServices(env, drivers)).toEqual([]);

    expect(drivers.start).not.toHaveBeenCalled();
    // Each must answer; of a cluster's list, the first node is the one the tests use.
    expect(drivers.probe.mock.calls.sort()).toEqual([
      ['postgres', 'postgres://postgres@127.0.0.1:5432/postgres'],
      ['rabbitmq', 'amqp://guest:guest@127.0.0.1:5672'],
    ]);
    expect(env.RABBITMQ_URL).toContain(',');
  });

  it('starts a container of the pinned image for each unset variable, and sets the variable', async () => {
    const { drivers } = fakeDrivers();
    const env: NodeJS.ProcessEnv = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' };

    const started = await provideTestServices(env, drivers);

    expect(drivers.start.mock.calls).toEqual([['rabbitmq', SERVICE_IMAGES.rabbitmq]]);
    expect(started.map((service) => service.url)).toEqual([
      `rabbitmq://container/${SERVICE_IMAGES.rabbitmq}`,
    ]);
    expect(env.RABBITMQ_URL).toBe(`rabbitmq://container/${SERVICE_IMAGES.rabbitmq}`);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/postgres');

    const none: NodeJS.ProcessEnv = {};
    await provideTestServices(none, drivers);
    expect(none.DATABASE_URL).toBe(`postgres://container/${SERVICE_IMAGES.postgres}`);
    expect(drivers.start).toHaveBeenCalledWith('postgres', SERVICE_IMAGES.postgres);
  });

  it('says, naming both variables, how to run without Docker when a container cannot start', async () => {
    const { drivers, stopped } = fakeDrivers({ start: 'postgres' });
    const env: NodeJS.ProcessEnv = {};

    const error = await failureOf(provideTestServices(env, drivers));

    expect(error).toMatchObject({
      name: 'TestServiceUnavailableError',
      service: 'PostgreSQL',
      variable: 'DATABASE_URL',
      image: SERVICE_IMAGES.postgres,
    });
    expect(error.message).toContain(SERVICE_IMAGES.postgres);
    expect(error.message).toContain('Could not find a working container runtime strategy');
    expect(error.message).toMatch(/RABBITMQ_URL[\s\S]*DATABASE_URL/);
    // The broker's container, started alongside, is stopped again, and nothing is half set.
    expect(stopped).toEqual(['rabbitmq']);
    expect(env).toEqual({});
  });

  it('names the variable whose service does not answer, without its password', async () => {
    const { drivers } = fakeDrivers({ probe: 'rabbitmq' });
    const env = {
      RABBITMQ_URL: 'amqp://orders:s3cret-pass@127.0.0.1:5672',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    };

    const error = await failureOf(provideTestServices(env, drivers));

    expect(error).toMatchObject({ variable: 'RABBITMQ_URL', image: undefined });
    expect(error.message).toMatch(
      /^Cannot reach the RabbitMQ in RABBITMQ_URL \(connect ECONNREFUSED/,
    );
    expect(error.message).not.toContain('s3cret-pass');
    expect(drivers.start).not.toHaveBeenCalled();
  });
});
