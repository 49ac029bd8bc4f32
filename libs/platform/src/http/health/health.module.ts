import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { READINESS_INDICATORS, type ReadinessIndicator } from './readiness';

/** Serves `/health/live` and `/health/ready`; readiness asks the indicators the app lists. */
@Module({})
export class HealthModule {
  static forRoot(options: { indicators: Type<ReadinessIndicator>[] }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule],
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_INDICATORS,
          inject: options.indicators,
          useFactory: (...indicators: ReadinessIndicator[]) => indicators,
        },
      ],
    };
  }
}
