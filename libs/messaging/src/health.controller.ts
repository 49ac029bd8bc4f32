import { Controller, Get, Optional } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { RabbitClient } from './rabbitmq.client';
import { RabbitServer } from './rabbitmq.server';

/**
 * Liveness and readiness for orchestrators (Terminus format): live while the process runs; ready
 * while the broker connection is up and, in a consuming service, its consumers are subscribed and
 * not paused (the consumer's `reason` says why not: a dependency away, a consumer cancelled, …).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly client: RabbitClient,
    @Optional() private readonly server?: RabbitServer,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    const checks = [() => this.indicator('broker', this.client.isConnected())];
    const server = this.server;
    if (server) {
      checks.push(() => {
        const { consuming, reason } = server.consumerStatus();
        return this.indicator('consumer', consuming, reason);
      });
    }
    return this.health.check(checks);
  }

  private indicator(key: string, up: boolean, reason?: string): HealthIndicatorResult {
    const session = this.indicators.check(key);
    if (up) {
      return session.up();
    }
    return reason ? session.down({ reason }) : session.down();
  }
}
