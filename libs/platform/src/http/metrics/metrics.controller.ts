import { Controller, Get, Header } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

/** Serves the service's metrics in the Prometheus text format for scraping. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
