import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { READINESS_INDICATORS, type ReadinessIndicator } from './readiness';

/**
 * Liveness and readiness for orchestrators (Terminus format): live while the process runs; ready
 * while every indicator's dependencies are up (a down one says why in its `reason`).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_INDICATORS) private readonly readiness: ReadinessIndicator[],
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    const states = await Promise.all(
      this.readiness.map((indicator) => Promise.resolve(indicator.readiness())),
    );
    const checks = states.flatMap((state) =>
      Object.entries(state).map(([key, state]) => (): HealthIndicatorResult => {
        const session = this.indicators.check(key);
        if (state.up) {
          return session.up();
        }
        return state.reason ? session.down({ reason: state.reason }) : session.down();
      }),
    );
    return this.health.check(checks);
  }
}
