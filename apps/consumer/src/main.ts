import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadEnv } from '@app/config';
import { ConsumerEnv } from './config/consumer.env';
import { createConsumerApp, startConsumerApp } from './consumer.app';

async function bootstrap(): Promise<void> {
  const env = loadEnv(ConsumerEnv);
  const app = await createConsumerApp();
  await startConsumerApp(app, env.CONSUMER_PORT);
  Logger.log(`Consumer listening on port ${env.CONSUMER_PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
