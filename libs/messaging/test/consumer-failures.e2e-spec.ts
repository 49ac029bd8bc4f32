import { MessageHeaders, queueNames, RemoteHandlerError } from '@app/messaging';
import { publishRaw, takeMessages, waitFor, waitForQueueDepth } from '@app/testing';
import { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { MESSAGING_CLIENT } from '@app/messaging';
import { TestPatterns, TestService } from './support/test-service';

describe('RabbitServer failure handling', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({
      RETRY_MAX_ATTEMPTS: '4',
      RETRY_INITIAL_DELAY_MS: '300',
      RETRY_MULTIPLIER: '2',
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('retries a transient failure through growing delays and handles it once', async () => {
    await service.bus.publish(TestPatterns.Work, { id: 'flaky', failTimes: 2 });

    await waitFor(() => service.log.completed.includes('flaky'), {
      description: 'the flaky job to complete',
    });
    const [first, second, third] = service.log.attemptsOf('flaky');
    expect(service.log.attemptsOf('flaky')).toHaveLength(3);
    expect(service.log.completed.filter((id) => id === 'flaky')).toHaveLength(1);
    // 300 ms, then 600 ms: each wait is at least its delay queue's TTL, and the second is longer.
    expect(second - first).toBeGreaterThanOrEqual(300);
    expect(third - second).toBeGreaterThanOrEqual(600);
    expect(third - second).toBeGreaterThan(second - first);
    expect(
      service.outcomes.filter((o) => o.outcome === 'retried' && o.pattern === TestPatterns.Work)
        .length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('dead-letters after the last attempt, keeping the body and headers and adding the reason', async () => {
    await service.bus.publish(
      TestPatterns.Work,
      { id: 'hopeless', failTimes: 99 },
      { headers: { 'x-tenant': 'acme' } },
    );
    const dlq = queueNames(service.queue).deadLetter;

    await waitForQueueDepth(dlq, 1, 15_000);
    const [dead] = await takeMessages(dlq);

    expect(service.log.attemptsOf('hopeless')).toHaveLength(4);
    expect(JSON.parse(dead.content.toString())).toEqual({
      pattern: TestPatterns.Work,
      data: { id: 'hopeless', failTimes: 99 },
    });
    const headers = dead.properties.headers ?? {};
    expect(headers).toMatchObject({
      'x-tenant': 'acme',
      [MessageHeaders.ErrorName]: 'Error',
      [MessageHeaders.ErrorMessage]: 'job hopeless failed on attempt 4',
      [MessageHeaders.Attempt]: 4,
      [MessageHeaders.OriginalRoutingKey]: TestPatterns.Work,
      [MessageHeaders.OriginalExchange]: service.exchange,
      [MessageHeaders.OriginalQueue]: service.queue,
    });
    const first = Date.parse(headers[MessageHeaders.FirstFailureAt] as string);
    const last = Date.parse(headers[MessageHeaders.LastFailureAt] as string);
    expect(last - first).toBeGreaterThanOrEqual(300 + 600 + 1_200);
    expect(dead.properties.messageId).toEqual(expect.any(String));
  });

  it('dead-letters poison messages at once with their reason while the messages behind them flow on', async () => {
    const dlq = queueNames(service.queue).deadLetter;
    await publishRaw(service.exchange, TestPatterns.Work, '{not json', {
      messageId: 'poison-json',
    });
    await publishRaw(
      service.exchange,
      TestPatterns.Work,
      JSON.stringify({ pattern: 'test.nobody.v1', data: {} }),
      {
        messageId: 'poison-pattern',
      },
    );
    await publishRaw(
      service.exchange,
      TestPatterns.Work,
      JSON.stringify({ pattern: TestPatterns.Work, data: { id: 42 } }),
      {
        messageId: 'poison-payload',
      },
    );
    await service.bus.publish(TestPatterns.Work, { id: 'permanent', permanent: true });
    await service.bus.publish(TestPatterns.Work, { id: 'after-the-poison' });

    await waitFor(() => service.log.completed.includes('after-the-poison'), {
      description: 'the valid job behind the poison',
    });
    await waitForQueueDepth(dlq, 4);
    const dead = await takeMessages(dlq);
    const reasons = Object.fromEntries(
      dead.map((m) => [
        m.properties.messageId as string,
        [
          m.properties.headers?.[MessageHeaders.ErrorName],
          m.properties.headers?.[MessageHeaders.Attempt],
        ],
      ]),
    );

    expect(reasons['poison-json']).toEqual(['MalformedMessageError', 1]);
    expect(reasons['poison-pattern']).toEqual(['NoHandlerError', 1]);
    expect(reasons['poison-payload']).toEqual(['PayloadValidationError', 1]);
    expect(Object.values(reasons)).toContainEqual(['NonRetryableError', 1]);
    expect(dead.find((m) => m.properties.messageId === 'poison-json')?.content.toString()).toBe(
      '{not json',
    );
    expect(
      dead.find((m) => m.properties.messageId === 'poison-payload')?.properties.headers?.[
        MessageHeaders.ErrorMessage
      ],
    ).toMatch(/id must be a string/);
    expect(service.log.attemptsOf('permanent')).toHaveLength(1);
  });

  it('acks a message it already processed without running the handler again', async () => {
    await service.bus.publish(TestPatterns.Work, { id: 'once' }, { messageId: 'same-message' });
    await waitFor(() => service.log.completed.includes('once'), { description: 'the first copy' });

    await service.bus.publish(TestPatterns.Work, { id: 'once' }, { messageId: 'same-message' });
    await waitFor(
      () =>
        service.outcomes.find((o) => o.messageId === 'same-message' && o.outcome === 'duplicate'),
      { description: 'the second copy to be acked as a duplicate' },
    );
    expect(service.log.attemptsOf('once')).toHaveLength(1);
  });

  it('answers a failing request with a structured error at once, without retrying', async () => {
    const client = service.app!.get<ClientProxy>(MESSAGING_CLIENT);

    const error: unknown = await lastValueFrom(client.send(TestPatterns.Echo, { id: 7 })).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(RemoteHandlerError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      remoteName: 'PayloadValidationError',
    });
    await expect(lastValueFrom(client.send(TestPatterns.Echo, { id: 'x' }))).resolves.toEqual({
      id: 'x',
    });
  });
});
