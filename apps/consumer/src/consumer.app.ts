import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startRabbitMicroservice, type RabbitServer } from '@app/messaging';
import { ServiceLogger } from '@app/platform';
import {
  measureHttp,
  problemDetailsAdapter,
  securityHeaders,
  useProblemDetails,
} from '@app/platform/http';
import { AppModule } from './app.module';
import { ConsumerConfig } from './config/consumer.config';
import { setupDocs } from './docs/docs.setup';

export { ConsumerConfig };

/**
 * Builds the consumer exactly as production runs it; main.ts and the e2e tests both use this, the
 * tests with a config of their own instead of the process environment.
 */
export async function createConsumerApp(
  config = ConsumerConfig.fromEnv(),
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    problemDetailsAdapter(),
    {
      // A failed start rejects (main.ts logs it and exits 1) instead of Nest calling
      // process.exit itself, which would also end a test runner that built the app.
      abortOnError: false,
      logger: ServiceLogger.create(ConsumerConfig.serviceName, config.env),
    },
  );
  // First: every later hook, guard and route answers its errors as problem details.
  useProblemDetails(app);
  securityHeaders(app.getHttpAdapter().getInstance());
  setupDocs(app, config);
  measureHttp(app);
  // process.exit() after a signal, rather than re-raising it, lets the asynchronous log
  // destination flush what was written during shutdown.
  app.enableShutdownHooks([], { useProcessExit: true });
  return app;
}

/** Starts HTTP first (so liveness answers while the broker is away), then the message consumers. */
export async function startConsumerApp(
  app: NestFastifyApplication,
  port: number,
): Promise<RabbitServer> {
  await app.listen(port, '0.0.0.0');
  return startRabbitMicroservice(app);
}
