import { Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { Database } from './database';

/** Longest a readiness probe waits for the database. */
const PING_TIMEOUT_MS = 1_000;

/** Readiness of the database: it answers a query within a second. */
@Injectable()
export class DatabaseReadiness {
  constructor(private readonly database: Database) {}

  async readiness(): Promise<Record<string, { up: boolean; reason?: string }>> {
    const up = await Promise.race([
      this.database.ping(),
      delay(PING_TIMEOUT_MS, false, { ref: false }),
    ]);
    return {
      database: up
        ? { up }
        : { up, reason: `the database does not answer within ${PING_TIMEOUT_MS} ms` },
    };
  }
}
