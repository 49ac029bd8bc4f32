import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { MetricsRegistry } from './metrics-registry';

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Serves the service's metrics in the Prometheus text format for scraping. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Prometheus text format 0.0.4: Node.js process metrics, `http_request_duration_seconds` by ' +
      'method, route and status, and the messaging metrics (`messaging_*`: publishes and their ' +
      'confirms, consumed messages by outcome, handler and request/reply durations, timeouts, ' +
      'the connection state).',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The metrics, for a Prometheus scrape.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
