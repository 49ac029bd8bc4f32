import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServiceLogger, startRabbitMicroservice, type RabbitServer } from '@app/messaging';
import { AppModule } from './app.module';

/** Builds the consumer exactly as production runs it; main.ts and the e2e tests both use this. */
export async function createConsumerApp(): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: ServiceLogger.create('consumer'),
  });
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
