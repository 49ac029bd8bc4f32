/**
 * The test run has no broker or no database: the one its variable names does not answer, or the
 * variable is unset and Docker could not start a container. A container failure names both
 * variables, so whoever reads it knows the run can use services of their own instead of Docker.
 */
export class TestServiceUnavailableError extends Error {
  override readonly name = 'TestServiceUnavailableError';

  constructor(
    /** What is missing, e.g. `RabbitMQ`. */
    readonly service: string,
    /** The variable that names it: `RABBITMQ_URL` or `DATABASE_URL`. */
    readonly variable: string,
    /** The image testcontainers tried to start; undefined when the variable was set. */
    readonly image: string | undefined,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(
      image === undefined
        ? `Cannot reach the ${service} in ${variable} (${reason}). Start it, or unset ${variable} ` +
            `to have the tests start ${service} in Docker.`
        : `No ${service} for the e2e tests: ${variable} is not set and Docker could not start ` +
            `${image} (${reason}). Start Docker, or point the tests at running services: set ` +
            'RABBITMQ_URL (e.g. amqp://guest:guest@127.0.0.1:5672) and DATABASE_URL ' +
            '(e.g. postgres://postgres@127.0.0.1:5432/postgres).',
      options,
    );
  }
}
