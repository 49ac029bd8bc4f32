import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { PRODUCER_ENV, type ProducerEnv } from './config/producer.env';
import { createProducerApp, startProducerApp } from './producer.app';

async function bootstrap(): Promise<void> {
  const app = await createProducerApp();
  const { PORT } = app.get<ProducerEnv>(PRODUCER_ENV);
  await startProducerApp(app, PORT);
  Logger.log(`Producer listening on port ${PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
