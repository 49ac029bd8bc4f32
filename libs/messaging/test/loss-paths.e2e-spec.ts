import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MessageHeaders, queueNames } from '@app/messaging';
import {
  brokerUrl,
  connectBroker,
  publishRaw,
  queueDepth,
  takeMessages,
  waitFor,
  waitForQueueDepth,
} from '@app/testing';
import { TestPatterns, TestService } from './support/test-service';

/** A job body in Nest's envelope, as a foreign publisher would send it. */
function job(data: Record<string, unknown>): string {
  return JSON.stringify({ pattern: TestPatterns.Work, data });
}

/** The longest the event loop stood still while `work` ran, in milliseconds. */
async function longestStall(work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

/**
 * The loss paths an adversarial run found (issue #11): each test sends what a careless or hostile
 * publisher could, and checks the message ends handled, retried or dead-lettered with its reason.
 */
describe('RabbitServer: nothing acked unhandled, nothing frozen', () => {
  let service: TestService;
  let dlq: string;

  beforeAll(async () => {
    service = await TestService.start();
    dlq = queueNames(service.queue).deadLetter;
  });

  afterAll(async () => {
    await service?.close();
  });

  it('lets a redelivery wait for the attempt still running, so a message whose channel closed under a failing handler ends in the dead-letter queue', async () => {
    const id = 'race';
    await publishRaw(
      service.exchange,
      TestPatterns.Work,
      job({ id, permanent: true, breakChannelOnAttempt: 1, waitForRelease: true }),
      { messageId: 'race-1' },
    );
    await waitFor(() => service.log.attemptsOf(id).length === 1, {
      description: 'the first attempt to start',
    });
    // The channel closed under the handler; the broker hands the message out again on the new one.
    await waitFor(
      async () => service.server!.isConsuming() && (await queueDepth(service.queue)).messages === 0,
      { description: 'the redelivery to reach the service on its new channel' },
    );
    // Make the first attempt's move fail: with the dead-letter queue gone, it cannot settle.
    const connection = await connectBroker();
    try {
      const channel = await connection.createChannel();
      await channel.deleteQueue(dlq);
      service.log.release(id);
      await waitFor(() => /the queue .*\.dlq is unavailable/.test(statusReason(service)), {
        description: 'the redelivery to hold its message while the dead-letter queue is missing',
      });
      expect(
        service.outcomes.filter((o) => o.messageId === 'race-1' && o.outcome === 'duplicate'),
      ).toEqual([]);
      await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    } finally {
      await connection.close();
    }

    await waitForQueueDepth(dlq, 1, 20_000);
    const [dead] = await takeMessages(dlq);
    expect(dead.properties.messageId).toBe('race-1');
    expect(dead.properties.headers?.[MessageHeaders.ErrorName]).toBe('NonRetryableError');
    await waitFor(() => service.server!.isConsuming(), { description: 'consumption to resume' });
  });

  it('dead-letters a message whose headers amqplib cannot re-encode, with readable values, without stalling the event loop', async () => {
    const stall = await longestStall(async () => {
      await publishRaw(
        service.exchange,
        TestPatterns.Work,
        job({ id: 'doubles', permanent: true }),
        {
          messageId: 'doubles-1',
          headers: {
            'x-negative': { '!': 'double', value: -1e300 },
            'x-fraction': { '!': 'double', value: 1_125_899_906_842_624.5 },
            'x-fine': 'kept',
          },
        },
      );
      await waitForQueueDepth(dlq, 1);
    });

    const [dead] = await takeMessages(dlq);
    const headers = dead.properties.headers ?? {};
    expect(dead.properties.messageId).toBe('doubles-1');
    expect(headers).toMatchObject({
      'x-negative': '-1e+300',
      'x-fraction': '1125899906842624.5',
      'x-fine': 'kept',
      [MessageHeaders.ErrorName]: 'NonRetryableError',
    });
    expect(headers[MessageHeaders.ReplacedHeaders]).toEqual([
      expect.stringMatching(/^x-negative: /),
      expect.stringMatching(/^x-fraction: /),
    ]);
    expect(service.log.attemptsOf('doubles')).toHaveLength(1);
    // Before, each failed move spun for PUBLISH_TIMEOUT_MS (2 s) without yielding. The bound is
    // loose (a shared CI machine pauses for GC and the broker); the stall it catches is seconds.
    expect(stall).toBeLessThan(1_000);
  });

  it('moves a per-message expiration and user id into headers, so the dead letter does not expire', async () => {
    const user = decodeURIComponent(new URL(brokerUrl()).username) || 'guest';
    await publishRaw(
      service.exchange,
      TestPatterns.Work,
      job({ id: 'expiring', permanent: true }),
      {
        messageId: 'expiring-1',
        expiration: '60000',
        userId: user,
        priority: 3,
      },
    );

    await waitForQueueDepth(dlq, 1);
    const [dead] = await takeMessages(dlq);

    expect(dead.properties.expiration).toBeUndefined();
    expect(dead.properties.userId).toBeUndefined();
    expect(dead.properties.priority).toBeUndefined();
    expect(dead.properties.headers).toMatchObject({
      [MessageHeaders.OriginalExpiration]: '60000',
      [MessageHeaders.OriginalUserId]: user,
      [MessageHeaders.OriginalPriority]: 3,
    });
  });

  it.each([
    ['x-death that is not an array', { 'x-death': 'forged' }, /x-death is not an array/],
    [
      'an x-death entry with a text count',
      {
        'x-death': [
          { count: 'many', reason: 'rejected', queue: 'q', exchange: '', 'routing-keys': [] },
        ],
      },
      /count/,
    ],
    ['an x-attempt that is not a number', { 'x-attempt': 'abc' }, /x-attempt/],
  ])(
    'dead-letters a message with %s at its first delivery, with the reason, before the handler runs',
    async (label, headers, reason) => {
      const id = `malformed-${label.length}`;
      await publishRaw(service.exchange, TestPatterns.Work, job({ id }), {
        messageId: id,
        headers,
      });

      await waitForQueueDepth(dlq, 1);
      const [dead] = await takeMessages(dlq);

      expect(dead.properties.messageId).toBe(id);
      expect(dead.properties.headers).toMatchObject({
        [MessageHeaders.ErrorName]: 'MalformedHeaderError',
        [MessageHeaders.Attempt]: 1,
      });
      expect(dead.properties.headers?.[MessageHeaders.ErrorMessage]).toMatch(reason);
      expect(dead.properties.headers?.['x-death']).toBeUndefined();
      expect(service.log.attemptsOf(id)).toEqual([]);
    },
  );

  it('ignores a forged x-attempt: the message still gets its retries', async () => {
    await publishRaw(service.exchange, TestPatterns.Work, job({ id: 'forged', failTimes: 1 }), {
      messageId: 'forged-1',
      headers: { [MessageHeaders.Attempt]: 99 },
    });

    await waitFor(() => service.log.completed.includes('forged'), {
      description: 'the job to succeed on its retry',
    });
    expect(service.log.attemptsOf('forged')).toHaveLength(2);
    expect((await queueDepth(dlq)).messages).toBe(0);
  });

  it('counts a copy that comes back from a delay queue under its pattern, not the queue name', async () => {
    await service.bus.publish(
      TestPatterns.Work,
      { id: 'twice', failTimes: 1, delayMs: 0 },
      { messageId: 'twice-1' },
    );
    await waitFor(
      () => service.outcomes.some((o) => o.messageId === 'twice-1' && o.outcome === 'retried'),
      { description: 'the first attempt to be retried' },
    );
    // A second copy (same messageId) succeeds first; the retry copy then comes back a duplicate.
    await service.bus.publish(TestPatterns.Work, { id: 'twice' }, { messageId: 'twice-1' });

    const duplicate = await waitFor(
      () => service.outcomes.find((o) => o.messageId === 'twice-1' && o.outcome === 'duplicate'),
      { description: 'the retry copy to come back as a duplicate' },
    );
    expect(duplicate.pattern).toBe(TestPatterns.Work);
    expect(
      service.outcomes.filter((o) => o.messageId === 'twice-1').map((o) => o.pattern),
    ).not.toContain(service.queue);
  });

  it('dead-letters an event published to the request queue instead of acking it', async () => {
    await publishRaw('', queueNames(service.queue).requests, job({ id: 'misrouted' }), {
      messageId: 'misrouted-1',
    });

    await waitForQueueDepth(dlq, 1);
    const [dead] = await takeMessages(dlq);
    expect(dead.properties.headers).toMatchObject({
      [MessageHeaders.ErrorName]: 'MisroutedMessageError',
      [MessageHeaders.OriginalQueue]: queueNames(service.queue).requests,
    });
    expect(service.outcomes.find((o) => o.messageId === 'misrouted-1')?.outcome).toBe(
      'dead-lettered',
    );
  });

  it('re-declares its queue and re-subscribes when the broker cancels the consumer (queue deleted)', async () => {
    const connection = await connectBroker();
    try {
      const channel = await connection.createChannel();
      await channel.deleteQueue(service.queue);
    } finally {
      await connection.close();
    }
    await waitFor(() => /cancelled the event consumer/.test(statusReason(service)), {
      description: 'readiness to report the cancelled consumer',
    });

    await waitFor(() => service.server!.isConsuming(), {
      timeoutMs: 15_000,
      description: 'the consumer to re-subscribe',
    });
    await service.bus.publish(TestPatterns.Work, { id: 'after-the-delete' });
    await waitFor(() => service.log.completed.includes('after-the-delete'), {
      description: 'a new message to be handled on the re-declared queue',
    });
  });
});

function statusReason(service: TestService): string {
  return service.server?.consumerStatus().reason ?? '';
}
