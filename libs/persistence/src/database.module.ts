import { Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database';
import {
  DATABASE_OPTIONS,
  DatabaseModuleClass,
  type DatabaseModuleOptions,
} from './database.module-definition';
import { DatabaseReadiness } from './database.readiness';
import { migrate } from './migrations';

const logger = new Logger('Database');

/** Closes the database last, once the HTTP server, the consumers and the relay have stopped. */
@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(private readonly database: Database) {}

  onApplicationShutdown(): Promise<void> {
    return this.database.close();
  }
}

/**
 * The service's database, opened and migrated (under the migrator's lock, so replicas never race)
 * before anything uses it: a start-up with a bad schema or no database fails, naming the problem.
 */
@Module({
  providers: [
    {
      provide: Database,
      inject: [DATABASE_OPTIONS],
      useFactory: async ({ settings, migrations }: DatabaseModuleOptions) => {
        const database = await Database.open(settings, logger);
        try {
          const applied = await migrate(database, migrations);
          if (applied.length > 0) {
            logger.log(`Applied migrations: ${applied.join(', ')}`);
          }
        } catch (error) {
          await database.close();
          throw error;
        }
        return database;
      },
    },
    DatabaseReadiness,
    DatabaseCloser,
  ],
  exports: [Database, DatabaseReadiness],
})
export class DatabaseModule extends DatabaseModuleClass {}
