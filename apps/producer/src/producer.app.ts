import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startRabbitMicroservice } from '@app/messaging';
import { ServiceLogger } from '@app/platform';
import {
  measureHttp,
  problemDetailsAdapter,
  securityHeaders,
  useProblemDetails,
} from '@app/platform/http';
import { AppModule } from './app.module';
import { closeConnectionsOnShutdown } from './common/graceful-http';
import { HttpValidationPipe } from './common/http-validation.pipe';
import { jsonBodyParser } from './common/json-body.parser';
import { PRODUCER_PROBLEMS } from './common/problems';
import { ProducerConfig } from './config/producer.config';

export { ProducerConfig };
import { setupDocs } from './docs/docs.setup';
import { protectDocs } from './security/api-key.guard';

/**
 * Builds the producer exactly as production runs it; main.ts and the e2e tests both use this, the
 * tests with a config of their own instead of the process environment.
 */
export async function createProducerApp(
  config = ProducerConfig.fromEnv(),
): Promise<NestFastifyApplication> {
  return await createProducerAppFrom(AppModule.forRoot(config), config);
}

/**
 * The producer's HTTP app (adapter, logger, problem details, body parser, security headers,
 * validation, docs, metrics, shutdown) around `root`: AppModule, or another composition of the
 * producer's modules (the bench's producer without a database, bench/apps/producer-no-db).
 */
export async function createProducerAppFrom(
  root: DynamicModule,
  config: ProducerConfig,
): Promise<NestFastifyApplication> {
  const { env } = config;
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    problemDetailsAdapter({ bodyLimit: env.BODY_LIMIT_BYTES }),
    {
      // A failed start rejects (main.ts logs it and exits 1) instead of Nest calling
      // process.exit itself, which would also end a test runner that built the app.
      abortOnError: false,
      logger: ServiceLogger.create(ProducerConfig.serviceName, env),
    },
  );
  // First: every later hook, guard and route answers its errors as problem details.
  useProblemDetails(app, PRODUCER_PROBLEMS);
  app.useBodyParser(
    'application/json',
    { bodyLimit: env.BODY_LIMIT_BYTES },
    jsonBodyParser(app.getHttpAdapter().getInstance()),
  );
  securityHeaders(app.getHttpAdapter().getInstance());
  app.useGlobalPipes(new HttpValidationPipe());
  protectDocs(app.getHttpAdapter().getInstance(), env);
  closeConnectionsOnShutdown(app.getHttpAdapter().getInstance(), env.SHUTDOWN_TIMEOUT_MS);
  setupDocs(app);
  measureHttp(app);
  // process.exit() after a signal, rather than re-raising it, lets the asynchronous log
  // destination flush what was written during shutdown.
  app.enableShutdownHooks([], { useProcessExit: true });
  return app;
}

/** Serves HTTP, then subscribes to order outcomes (HTTP answers 503 until the broker is there). */
export async function startProducerApp(app: NestFastifyApplication, port: number): Promise<void> {
  await serveProducerHttp(app, port);
  await startRabbitMicroservice(app);
}

/**
 * Serves the producer's HTTP API without subscribing to anything: startProducerApp's first step,
 * and all of it for a composition that keeps no read model (the bench's front-only producer).
 */
export async function serveProducerHttp(app: NestFastifyApplication, port: number): Promise<void> {
  await app.init();
  // The API speaks JSON only: anything else is 415, not a string or form that fails validation.
  app
    .getHttpAdapter()
    .getInstance()
    .removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  await app.listen(port, '0.0.0.0');
}
