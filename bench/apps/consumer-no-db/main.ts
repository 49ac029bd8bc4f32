// A bench-only build of the consumer without its database (workload 1b): the consumer app's own
// handlers, messaging and logging, composed without DatabaseModule. See bench/README.md.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startRabbitMicroservice } from '@app/messaging';
import { ServiceLogger } from '@app/platform';
import { measureHttp, problemDetailsAdapter, useProblemDetails } from '@app/platform/http';
import { ConsumerConfig } from '../../../apps/consumer/src/config/consumer.config';
import { ConsumerNoDbModule } from './consumer-no-db.module';

/** As the consumer's main.ts and createConsumerApp, minus the API docs and security headers. */
async function bootstrap(): Promise<void> {
  const config = ConsumerConfig.fromEnv();
  const app = await NestFactory.create<NestFastifyApplication>(
    ConsumerNoDbModule.forRoot(config),
    problemDetailsAdapter(),
    { logger: ServiceLogger.create(ConsumerConfig.serviceName, config.env) },
  );
  useProblemDetails(app);
  measureHttp(app);
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.listen(config.env.CONSUMER_PORT, '0.0.0.0');
  await startRabbitMicroservice(app);
  Logger.log(`Consumer (no database) listening on port ${config.env.CONSUMER_PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
