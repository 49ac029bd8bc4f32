// A bench-only build of the producer as a front only (workload 2, "ours, no database"): the
// producer app's own HTTP API, service, security and messaging, composed without DatabaseModule
// and without the read model, so it does what the peers' fronts do. See bench/README.md.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ProducerConfig } from '../../../apps/producer/src/config/producer.config';
import { createProducerAppFrom, serveProducerHttp } from '../../../apps/producer/src/producer.app';
import { ProducerNoDbModule } from './producer-no-db.module';

/** As the producer's main.ts, with its HTTP app built around ProducerNoDbModule and no consumer. */
async function bootstrap(): Promise<void> {
  const config = ProducerConfig.fromEnv();
  const app = await createProducerAppFrom(ProducerNoDbModule.forRoot(config), config);
  await serveProducerHttp(app, config.env.PORT);
  Logger.log(`Producer (no database) listening on port ${config.env.PORT}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exit(1);
});
