import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ProducerConfig } from '../config/producer.config';
import { OrdersRepository } from './orders.repository';

const BATCH = 1_000;

/** Deletes Idempotency-Keys older than IDEMPOTENCY_TTL_MS, so the table stays bounded. */
@Injectable()
export class IdempotencyKeyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyKeyRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly orders: OrdersRepository,
    private readonly config: ProducerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), this.config.env.RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes the expired keys; returns how many. */
  async run(): Promise<number> {
    const before = new Date(Date.now() - this.config.env.IDEMPOTENCY_TTL_MS);
    let deleted = 0;
    try {
      for (let batch = BATCH; batch === BATCH; deleted += batch) {
        batch = await this.orders.deleteKeysBefore(before, BATCH);
      }
    } catch (error) {
      this.logger.warn(`Deleting expired Idempotency-Keys failed: ${String(error)}`);
    }
    return deleted;
  }
}
