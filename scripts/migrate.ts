// Brings the services' database schemas up to date (`npm run db:migrate [producer|consumer]`),
// as each service also does at start-up, under the same lock: safe while replicas run.
import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { Database, migrate, type DatabaseSettings, type Migrations } from '@app/persistence';
import { ConsumerConfig } from '../apps/consumer/src/config/consumer.config';
import { consumerMigrations } from '../apps/consumer/src/database/consumer.migrations';
import { ProducerConfig } from '../apps/producer/src/config/producer.config';
import { producerMigrations } from '../apps/producer/src/database/producer.migrations';

const SERVICES: Record<string, () => { settings: DatabaseSettings; migrations: Migrations }> = {
  producer: () => ({ settings: ProducerConfig.fromEnv().database, migrations: producerMigrations }),
  consumer: () => ({ settings: ConsumerConfig.fromEnv().database, migrations: consumerMigrations }),
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SERVICES));
  if (unknown.length > 0) {
    console.error(
      `Unknown service ${unknown.join(', ')}: use producer, consumer or nothing (both)`,
    );
    process.exitCode = 2;
    return;
  }
  const logger = new ConsoleLogger('migrate');
  for (const name of asked.length > 0 ? asked : Object.keys(SERVICES)) {
    const { settings, migrations } = SERVICES[name]();
    const database = await Database.open(settings, logger);
    try {
      const applied = await migrate(database, migrations);
      logger.log(
        `${name}: ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'already up to date'}`,
      );
    } finally {
      await database.close();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
