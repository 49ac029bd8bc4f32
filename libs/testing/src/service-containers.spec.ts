import { testcontainersDrivers } from './service-containers';
import { SERVICE_IMAGES } from './service-images';

// The container modules, mocked: no Docker here, and what matters is what they are asked for.
const mockRabbitmqStop = jest.fn(() => Promise.resolve());
const mockPostgresStop = jest.fn(() => Promise.resolve());
jest.mock('@testcontainers/rabbitmq', () => ({
  RabbitMQContainer: jest.fn((image: string) => ({
    start: () =>
      Promise.resolve({
        getAmqpUrl: () => `amqp://guest:guest@docker:1/${image}`,
        stop: mockRabbitmqStop,
      }),
  })),
}));
jest.mock('@testcontainers/postgresql', () => ({
  PostgreSqlContainer: jest.fn((image: string) => ({
    start: () =>
      Promise.resolve({
        getConnectionUri: () => `postgres://test:test@docker:2/${image}`,
        stop: mockPostgresStop,
      }),
  })),
}));

describe('testcontainersDrivers', () => {
  it.each([
    ['rabbitmq', '@testcontainers/rabbitmq', 'RabbitMQContainer', 'amqp://guest:guest@docker:1/'],
    [
      'postgres',
      '@testcontainers/postgresql',
      'PostgreSqlContainer',
      'postgres://test:test@docker:2/',
    ],
  ] as const)(
    'starts %s with its testcontainers module and the pinned image',
    async (service, module, className, urlPrefix) => {
      const image = SERVICE_IMAGES[service];

      const started = await testcontainersDrivers.start(service, image);

      const container = jest.requireMock<Record<string, jest.Mock>>(module)[className];
      expect(container).toHaveBeenCalledWith(image);
      expect(started.url).toBe(`${urlPrefix}${image}`);
      await started.stop();
      expect(service === 'rabbitmq' ? mockRabbitmqStop : mockPostgresStop).toHaveBeenCalled();
    },
  );
});
