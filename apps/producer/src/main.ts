import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ProducerConfig } from './config/producer.config';
import { createProducerApp, startProducerApp } from './producer.app';

async function bootstrap(): Promise<void> {
  const config = ProducerConfig.fromEnv();
  const app = await createProducerApp(config);
  await startProducerApp(app, config.env.PORT);
  Logger.log(`Producer listening on port ${config.env.PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
