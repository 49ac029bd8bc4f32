import { Global, Module } from '@nestjs/common';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';

/** The service's Prometheus registry (global, for every module to register into) and `/metrics`. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    MetricsRegistry,
    {
      provide: HttpMetrics,
      inject: [MetricsRegistry],
      useFactory: (r: MetricsRegistry) => new HttpMetrics(r),
    },
  ],
  exports: [MetricsRegistry, HttpMetrics],
})
export class MetricsModule {}
