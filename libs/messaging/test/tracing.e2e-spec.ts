import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { waitFor } from '@app/testing';
import { TestPatterns, TestService } from './support/test-service';

describe('Trace propagation', () => {
  let service: TestService;
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    // What an OpenTelemetry SDK sets up; the library itself only uses the API.
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    service = await TestService.start();
  });

  afterAll(async () => {
    await service?.close();
    propagation.disable();
    context.disable();
  });

  it('carries the W3C traceparent from the publisher into the handler', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = trace.setSpanContext(context.active(), {
      traceId,
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    });

    await context.with(parent, () => service.bus.publish(TestPatterns.Work, { id: 'traced' }));

    await waitFor(() => service.log.completed.includes('traced'), {
      description: 'the traced job',
    });
    expect(service.log.traceIds.get('traced')).toBe(traceId);
  });

  it('starts no trace of its own when the publisher had none', async () => {
    await service.bus.publish(TestPatterns.Work, { id: 'untraced' });

    await waitFor(() => service.log.completed.includes('untraced'), {
      description: 'the untraced job',
    });
    expect(service.log.traceIds.get('untraced')).toBeUndefined();
  });
});
