import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConsumerConfig } from './config/consumer.config';
import { createConsumerApp, startConsumerApp } from './consumer.app';

async function bootstrap(): Promise<void> {
  const config = ConsumerConfig.fromEnv();
  const app = await createConsumerApp(config);
  await startConsumerApp(app, config.env.CONSUMER_PORT);
  Logger.log(`Consumer listening on port ${config.env.CONSUMER_PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
