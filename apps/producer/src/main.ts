import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadEnv } from '@app/config';
import { ProducerEnv } from './config/producer.env';
import { createProducerApp, startProducerApp } from './producer.app';

async function bootstrap(): Promise<void> {
  const env = loadEnv(ProducerEnv);
  const app = await createProducerApp();
  await startProducerApp(app, env.PORT);
  Logger.log(`Producer listening on port ${env.PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
