import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { READINESS_INDICATORS, type ReadinessIndicator } from './readiness';

/** The part of the HTTP reply the health routes use. */
interface StatusReply {
  status(code: number): unknown;
}

/**
 * Liveness and readiness for orchestrators (Terminus format): live while the process runs; ready
 * while every indicator's dependencies are up (a down one says why in its `reason`). A failed check
 * keeps Terminus' body, the same shape as the 200: it is a health report, not a problem of the
 * request, so its 503 is the one error status not answered with problem details.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_INDICATORS) private readonly readiness: ReadinessIndicator[],
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({
    summary: 'Liveness: the process is up',
    description:
      'Terminus format. Checks no dependency, so an outage of the broker does not get the process ' +
      'restarted; 503 (`shutting_down`) only while the service stops.',
  })
  live(@Res({ passthrough: true }) reply: StatusReply): Promise<HealthCheckResult> {
    return this.report(reply, []);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: connected to its dependencies and consuming',
    description:
      'Terminus format: 200 when the broker connection is up, the database answers and the consumers ' +
      'are subscribed and not paused; otherwise 503, and `error`/`details` say what is down and why.',
  })
  async ready(@Res({ passthrough: true }) reply: StatusReply): Promise<HealthCheckResult> {
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
    return this.report(reply, checks);
  }

  /** The Terminus report, with 503 when a check failed (or the service is stopping). */
  private async report(
    reply: StatusReply,
    checks: HealthIndicatorFunction[],
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) {
        throw error;
      }
      reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
