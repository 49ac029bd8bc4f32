import { Controller, Get, HttpCode, Optional, ServiceUnavailableException } from '@nestjs/common';
import { RabbitClient } from './rabbitmq.client';
import { RabbitServer } from './rabbitmq.server';

/** Readiness of one dependency. */
export type CheckStatus = 'up' | 'down';

/**
 * Liveness and readiness for orchestrators: live while the process runs; ready while the broker
 * connection is up and, in a consuming service, its consumers are subscribed.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly client: RabbitClient,
    @Optional() private readonly server?: RabbitServer,
  ) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  ready(): { status: 'ok'; checks: Record<string, CheckStatus> } {
    const checks: Record<string, CheckStatus> = {
      broker: this.client.isConnected() ? 'up' : 'down',
      ...(this.server ? { consumer: this.server.isConsuming() ? 'up' : 'down' } : {}),
    };
    if (Object.values(checks).includes('down')) {
      throw new ServiceUnavailableException({ status: 'error', checks });
    }
    return { status: 'ok', checks };
  }
}
