import { queueNames } from '@app/messaging';
import { queueDepth, waitFor } from '@app/testing';
import { TestPatterns, TestService } from './support/test-service';

describe('RabbitServer graceful drain', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ SHUTDOWN_TIMEOUT_MS: '10000' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('lets in-flight handlers finish and acks them on shutdown; nothing is redelivered', async () => {
    const ids = ['slow-1', 'slow-2', 'slow-3', 'slow-4', 'slow-5'];
    for (const id of ids) {
      await service.bus.publish(TestPatterns.Work, { id, delayMs: 800 });
    }
    await waitFor(() => service.log.inFlight === ids.length, {
      description: 'five handlers in flight',
    });

    // What SIGTERM triggers through enableShutdownHooks().
    await service.stopApp();

    expect(service.log.completed.sort()).toEqual(ids);
    expect(await queueDepth(queueNames(service.queue).work)).toEqual({ messages: 0, consumers: 0 });

    await service.startApp();
    await service.bus.publish(TestPatterns.Work, { id: 'marker' });
    await waitFor(() => service.log.completed.includes('marker'), {
      description: 'the marker job',
    });
    for (const id of ids) {
      expect(service.log.attemptsOf(id)).toHaveLength(1);
    }
  });
});
