import { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { FakeConfirmChannel, waitFor } from '@app/testing';
import type { ConsumeListener, ConsumeOutcome } from './consume-outcome';
import type {
  BrokerChannel,
  ChannelStateListener,
  ManagedChannelOptions,
  PublishProperties,
} from './managed-channel';
import {
  DependencyUnavailableError,
  HandlerRegistryMismatchError,
  NonRetryableError,
  PayloadValidationError,
  PublishRejectedError,
} from './messaging.errors';
import { InMemoryProcessedMessageStore } from './processed-message-store';
import { RabbitServer, type RabbitServerOptions } from './rabbitmq.server';

/**
 * The server's BrokerChannel: runs the server's setup on a FakeConfirmChannel as ManagedChannel
 * does on connect, and records what the server publishes (copies to delay and dead-letter queues),
 * confirming each at once unless a test says otherwise.
 */
class FakeBrokerChannel implements BrokerChannel {
  readonly published: {
    exchange: string;
    routingKey: string;
    content: Buffer;
    options: PublishProperties;
  }[] = [];
  /** How each publish ends; confirmed at once unless a test replaces it. */
  publishResult: () => Promise<void> = () => Promise.resolve();
  private ready = false;
  private readonly listeners = new Set<ChannelStateListener>();

  constructor(
    public amqp: FakeConfirmChannel,
    private readonly options: ManagedChannelOptions,
  ) {}

  start(): void {
    void this.open();
  }

  isReady(): boolean {
    return this.ready;
  }

  onStateChange(listener: ChannelStateListener): void {
    this.listeners.add(listener);
  }

  waitForChannel() {
    return Promise.resolve(this.amqp.asConfirmChannel());
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: PublishProperties,
  ): Promise<void> {
    this.published.push({ exchange, routingKey, content, options });
    return this.publishResult();
  }

  close(): Promise<void> {
    this.ready = false;
    return Promise.resolve();
  }

  /** The channel closes under the server and a new one opens, as after a connection loss. */
  async reconnect(next: FakeConfirmChannel): Promise<void> {
    this.ready = false;
    this.emit('lost');
    this.amqp = next;
    await this.open();
  }

  private async open(): Promise<void> {
    await this.options.setup?.(this.amqp.asConfirmChannel());
    this.ready = true;
    this.emit('ready');
  }

  private emit(state: 'ready' | 'lost'): void {
    for (const listener of this.listeners) {
      listener(state);
    }
  }
}

const EVENT = 'order.placed.v1';
const REQUEST = 'order.quote.v1';
const QUEUE = 'orders';
const REQUEST_QUEUE = 'orders.requests';
/** A message that expired in the first delay queue, as the broker delivers it back. */
const fromFirstDelayQueue = {
  'x-death': [
    {
      queue: 'orders.retry.100ms',
      reason: 'expired',
      count: 1,
      exchange: '',
      'routing-keys': ['orders.retry.100ms'],
      time: { '!': 'timestamp', value: 1_700_000_000 },
    },
  ],
  'x-original-routing-key': EVENT,
  'x-original-exchange': 'events',
};

interface Harness {
  sut: RabbitServer;
  amqp: FakeConfirmChannel;
  broker: FakeBrokerChannel;
  store: InMemoryProcessedMessageStore;
  outcomes: Parameters<ConsumeListener>[0][];
}

function createServer(
  overrides: Partial<RabbitServerOptions> = {},
  channel?: BrokerChannel,
): Harness {
  const amqp = new FakeConfirmChannel();
  const store = new InMemoryProcessedMessageStore(100, 60_000);
  let broker!: FakeBrokerChannel;
  const sut = new RabbitServer({
    urls: ['amqp://127.0.0.1'],
    connectionName: 'test',
    heartbeatSeconds: 5,
    reconnectSeconds: 1,
    exchange: 'events',
    queue: QUEUE,
    queueType: 'quorum',
    deliveryLimit: 10,
    retry: { maxAttempts: 3, initialDelayMs: 100, multiplier: 2 },
    prefetch: 10,
    drainTimeoutMs: 1_000,
    publishTimeoutMs: 1_000,
    processedStore: store,
    channelFactory: (options) => channel ?? (broker = new FakeBrokerChannel(amqp, options)),
    ...overrides,
  });
  const outcomes: Harness['outcomes'] = [];
  sut.onConsume((event) => outcomes.push(event));
  return { sut, amqp, broker, store, outcomes };
}

function listen(sut: RabbitServer): Promise<void> {
  return new Promise((resolve, reject) =>
    sut.listen((error) =>
      error
        ? reject(error instanceof Error ? error : new Error('listen failed', { cause: error }))
        : resolve(),
    ),
  );
}

/** A handler as Nest registers it for `@EventPattern` (event) or `@MessagePattern` (request). */
function handler(
  implementation: (data: unknown) => unknown = () => undefined,
): jest.Mock & MessageHandler {
  return jest.fn((data: unknown) => Promise.resolve(implementation(data))) as jest.Mock &
    MessageHandler;
}

/** The Nest envelope RabbitClient.emit() publishes. */
function event(data: unknown = { orderId: 'o-1' }) {
  return { pattern: EVENT, data };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run (the server's steps are a few awaits each). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function outcomesOf(harness: Harness): ConsumeOutcome[] {
  return harness.outcomes.map((o) => o.outcome);
}

function untilOutcomes(harness: Harness, count: number): Promise<unknown> {
  return waitFor(() => harness.outcomes.length >= count, {
    timeoutMs: 3_000,
    intervalMs: 2,
    description: `${count} delivery outcome(s) (so far: ${outcomesOf(harness).join(', ')})`,
  });
}

function replyOf(harness: Harness, index = 0): unknown {
  return JSON.parse(harness.amqp.sent[index].content.toString('utf8'));
}

const idleChannel = (): BrokerChannel => ({
  start: jest.fn(),
  isReady: () => false,
  onStateChange: jest.fn(),
  waitForChannel: jest.fn(),
  publish: jest.fn(),
  close: jest.fn(() => Promise.resolve()),
});

describe(RabbitServer.name, () => {
  let harness: Harness;

  // The server logs every failure it handles; the tests provoke them on purpose.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(true);
  });

  afterEach(async () => {
    await harness?.sut.close();
  });

  describe('start-up check against the contract registry', () => {
    it('refuses to listen when a contract the service must handle has no handler', () => {
      const channel = idleChannel();
      harness = createServer({ expectedPatterns: [EVENT, 'order.cancelled.v1'] }, channel);
      const { sut } = harness;
      sut.addHandler(EVENT, handler(), true);
      const callback = jest.fn();

      sut.listen(callback);

      expect(callback).toHaveBeenCalledWith(expect.any(HandlerRegistryMismatchError));
      expect((callback.mock.calls[0] as [HandlerRegistryMismatchError])[0]).toMatchObject({
        missing: ['order.cancelled.v1'],
        unexpected: [],
      });
      expect(channel.start).not.toHaveBeenCalled();
    });

    it('refuses to listen when the service handles a pattern the registry does not give it', () => {
      harness = createServer({ expectedPatterns: [EVENT] }, idleChannel());
      const { sut } = harness;
      sut.addHandler(EVENT, handler(), true);
      sut.addHandler('order.shipped.v1', handler(), true);
      const callback = jest.fn();

      sut.listen(callback);

      expect(callback).toHaveBeenCalledWith(
        expect.objectContaining({ missing: [], unexpected: ['order.shipped.v1'] }),
      );
    });

    it('starts connecting when the handlers match', () => {
      const channel = idleChannel();
      harness = createServer({ expectedPatterns: [EVENT] }, channel);
      harness.sut.addHandler(EVENT, handler(), true);

      harness.sut.listen(jest.fn());

      expect(channel.start).toHaveBeenCalled();
    });
  });

  describe('on connect', () => {
    it('declares its queues, sets the prefetch and consumes the work and request queues', async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      sut.addHandler(EVENT, handler(), true);
      sut.addHandler(REQUEST, handler(), false);

      await listen(sut);

      expect(amqp.exchanges).toEqual(['events']);
      expect([...amqp.queues.keys()].sort()).toEqual([
        'orders',
        'orders.dlq',
        'orders.requests',
        'orders.retry.100ms',
        'orders.retry.200ms',
      ]);
      expect(amqp.bindings).toEqual(
        expect.arrayContaining([
          { queue: QUEUE, exchange: 'events', pattern: EVENT },
          { queue: REQUEST_QUEUE, exchange: 'events', pattern: REQUEST },
        ]),
      );
      expect(amqp.prefetchCount).toBe(10);
      expect(amqp.consumedQueues().sort()).toEqual([QUEUE, REQUEST_QUEUE]);
      expect(sut.consumerStatus()).toEqual({ consuming: true });
    });
  });

  // 0004: our patterns are routing keys, so handlerFor() reads Nest's messageHandlers map before
  // getHandlerByPattern(), which JSON.parse()s every pattern and throws for a plain string. If Nest
  // stops storing a string pattern under itself, the lookup would silently take the slow path.
  describe('handler lookup', () => {
    it("finds a routing key's handler in Nest's handler map without getHandlerByPattern", async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      const onPlaced = handler();
      sut.addHandler(EVENT, onPlaced, true);
      expect(sut.getHandlers().get(EVENT)).toBe(onPlaced);
      const fallback = jest.spyOn(sut, 'getHandlerByPattern');
      await listen(sut);

      amqp.deliver(QUEUE, {
        content: event(),
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      amqp.deliver(QUEUE, {
        content: { pattern: 'order.unknown.v1', data: {} },
        routingKey: 'order.unknown.v1',
        properties: { messageId: 'm-2' },
      });
      await untilOutcomes(harness, 2);

      expect(onPlaced).toHaveBeenCalledTimes(1);
      // Only the pattern without a handler went to Nest's lookup.
      expect(fallback.mock.calls).toEqual([['order.unknown.v1']]);
    });
  });

  describe('events', () => {
    it('acks a delivery only after its handler finished', async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      const running = deferred();
      const onPlaced = handler(() => running.promise);
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      await flush();

      expect(onPlaced).toHaveBeenCalledWith({ orderId: 'o-1' }, expect.anything());
      expect(amqp.acked).toEqual([]);

      running.resolve();
      await untilOutcomes(harness, 1);

      expect(amqp.acked).toEqual([msg]);
      expect(amqp.nacked).toEqual([]);
      expect(outcomesOf(harness)).toEqual(['acked']);
    });

    it('acks the deliveries that finish in one turn with one multiple ack, never past one still running', async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      const gates = new Map<string, ReturnType<typeof deferred<void>>>();
      sut.addHandler(
        EVENT,
        handler((data) => {
          const gate = deferred<void>();
          gates.set((data as { orderId: string }).orderId, gate);
          return gate.promise;
        }),
        true,
      );
      await listen(sut);
      const msgs = ['o-1', 'o-2', 'o-3', 'o-4'].map((orderId) =>
        amqp.deliver(QUEUE, {
          content: event({ orderId }),
          routingKey: EVENT,
          properties: { messageId: `m-${orderId}` },
        }),
      );
      await flush();

      // o-3 finishes first, then o-1 and o-2 together: 1-2 go as one multiple ack, o-3 alone.
      gates.get('o-3')?.resolve();
      await untilOutcomes(harness, 1);
      expect(amqp.acked).toEqual([msgs[2]]);
      gates.get('o-1')?.resolve();
      gates.get('o-2')?.resolve();
      await untilOutcomes(harness, 3);
      expect(amqp.acked).toEqual([msgs[2], msgs[0], msgs[1]]);
      expect(amqp.multipleAcks).toBe(1);

      gates.get('o-4')?.resolve();
      await untilOutcomes(harness, 4);
      expect(amqp.acked).toEqual([msgs[2], msgs[0], msgs[1], msgs[3]]);
      expect(amqp.nacked).toEqual([]);
    });

    it('sends a transiently failed delivery to the first delay queue with x-attempt 2, then acks it', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      sut.addHandler(
        EVENT,
        handler(() => Promise.reject(new Error('database timeout'))),
        true,
      );
      await listen(sut);
      const confirm = deferred();
      broker.publishResult = () => confirm.promise;

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        exchange: 'events',
        routingKey: EVENT,
        properties: { messageId: 'm-1', correlationId: 'flow-1' },
      });
      await flush();

      expect(broker.published).toEqual([
        {
          exchange: '',
          routingKey: 'orders.retry.100ms',
          content: msg.content,
          options: expect.objectContaining({
            messageId: 'm-1',
            correlationId: 'flow-1',
            persistent: true,
            headers: expect.objectContaining({
              'x-attempt': 2,
              'x-error-name': 'Error',
              'x-error-message': 'database timeout',
              'x-original-exchange': 'events',
              'x-original-routing-key': EVENT,
              'x-original-queue': QUEUE,
              'x-first-failure-at': expect.any(String) as unknown,
              'x-last-failure-at': expect.any(String) as unknown,
            }) as unknown,
          }) as unknown,
        },
      ]);
      // Not before the broker confirmed the copy.
      expect(amqp.acked).toEqual([]);

      confirm.resolve();
      await untilOutcomes(harness, 1);

      expect(amqp.acked).toEqual([msg]);
      expect(outcomesOf(harness)).toEqual(['retried']);
    });

    it('sends a delivery that failed again after its first retry to the next delay queue with x-attempt 3', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      sut.addHandler(
        EVENT,
        handler(() => Promise.reject(new Error('database timeout'))),
        true,
      );
      await listen(sut);

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        routingKey: QUEUE,
        properties: { messageId: 'm-1', headers: { ...fromFirstDelayQueue, 'x-attempt': 2 } },
      });
      await untilOutcomes(harness, 1);

      expect(broker.published).toHaveLength(1);
      expect(broker.published[0].routingKey).toBe('orders.retry.200ms');
      expect(broker.published[0].options.headers).toMatchObject({
        'x-attempt': 3,
        'x-original-routing-key': EVENT,
      });
      expect(amqp.acked).toEqual([msg]);
    });

    it('holds a delivery whose copy the broker refused, reporting no outcome until the copy is confirmed', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      sut.addHandler(
        EVENT,
        handler(() => Promise.reject(new Error('database timeout'))),
        true,
      );
      await listen(sut);
      broker.publishResult = () =>
        Promise.reject(new PublishRejectedError('', 'orders.retry.100ms'));

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      await waitFor(() => !sut.isConsuming(), { intervalMs: 2, description: 'the pause' });

      expect(sut.consumerStatus().reason).toContain('the queue orders.retry.100ms is unavailable');
      expect(amqp.acked).toEqual([]);
      expect(amqp.nacked).toEqual([]);
      expect(harness.outcomes).toEqual([]);

      // The next try of the same copy (after the gate's back-off) is confirmed.
      broker.publishResult = () => Promise.resolve();
      await untilOutcomes(harness, 1);

      expect(broker.published.map((p) => p.routingKey)).toEqual([
        'orders.retry.100ms',
        'orders.retry.100ms',
      ]);
      expect(broker.published[1].options.headers).toMatchObject({ 'x-attempt': 2 });
      expect(amqp.acked).toEqual([msg]);
      expect(outcomesOf(harness)).toEqual(['retried']);
    });

    it('dead-letters a transiently failing delivery at its last attempt', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      sut.addHandler(
        EVENT,
        handler(() => Promise.reject(new Error('database timeout'))),
        true,
      );
      await listen(sut);

      amqp.deliver(QUEUE, {
        content: event(),
        routingKey: QUEUE,
        properties: { messageId: 'm-1', headers: { ...fromFirstDelayQueue, 'x-attempt': 3 } },
      });
      await untilOutcomes(harness, 1);

      expect(broker.published.map((p) => p.routingKey)).toEqual(['orders.dlq']);
      expect(broker.published[0].options.headers).toMatchObject({ 'x-attempt': 3 });
      expect(outcomesOf(harness)).toEqual(['dead-lettered']);
    });

    it('dead-letters a NonRetryableError at once, with the reason in its headers', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      sut.addHandler(
        EVENT,
        handler(() => Promise.reject(new NonRetryableError('the order total is negative'))),
        true,
      );
      await listen(sut);

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        exchange: 'events',
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      await untilOutcomes(harness, 1);

      expect(broker.published).toEqual([
        expect.objectContaining({
          exchange: '',
          routingKey: 'orders.dlq',
          content: msg.content,
          options: expect.objectContaining({
            messageId: 'm-1',
            persistent: true,
            headers: expect.objectContaining({
              'x-attempt': 1,
              'x-error-name': 'NonRetryableError',
              'x-error-message': 'the order total is negative',
              'x-error-code': 'NON_RETRYABLE',
              'x-original-exchange': 'events',
              'x-original-routing-key': EVENT,
              'x-original-queue': QUEUE,
            }) as unknown,
          }) as unknown,
        }),
      ]);
      expect(amqp.acked).toEqual([msg]);
      expect(outcomesOf(harness)).toEqual(['dead-lettered']);
    });

    it('dead-letters a payload that fails validation, with the failed fields in the reason', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      // What MessageValidationPipe throws in front of the handler.
      const invalid = new PayloadValidationError([
        { field: 'total', errors: ['total must be a positive number'] },
      ]);
      sut.addHandler(
        EVENT,
        handler(() => Promise.reject(invalid)),
        true,
      );
      await listen(sut);

      amqp.deliver(QUEUE, { content: event({ total: -1 }), routingKey: EVENT });
      await untilOutcomes(harness, 1);

      expect(broker.published.map((p) => p.routingKey)).toEqual(['orders.dlq']);
      expect(broker.published[0].options.headers).toMatchObject({
        'x-attempt': 1,
        'x-error-name': 'PayloadValidationError',
        'x-error-code': 'VALIDATION_FAILED',
        'x-error-message': expect.stringContaining('total must be a positive number') as unknown,
      });
      expect(amqp.acked).toHaveLength(1);
    });

    it('dead-letters a body that is not JSON without running a handler', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      const onPlaced = handler();
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);

      amqp.deliver(QUEUE, { content: 'not json', routingKey: EVENT });
      await untilOutcomes(harness, 1);

      expect(onPlaced).not.toHaveBeenCalled();
      expect(broker.published.map((p) => p.routingKey)).toEqual(['orders.dlq']);
      expect(broker.published[0].options.headers).toMatchObject({
        'x-error-name': 'MalformedMessageError',
        'x-error-code': 'MALFORMED_MESSAGE',
      });
      expect(amqp.acked).toHaveLength(1);
    });

    it('acks a message the processed store already knows without running its handler', async () => {
      harness = createServer();
      const { sut, amqp, broker, store } = harness;
      const onPlaced = handler();
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);
      await store.add('m-1');

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
        redelivered: true,
      });
      await untilOutcomes(harness, 1);

      expect(onPlaced).not.toHaveBeenCalled();
      expect(amqp.acked).toEqual([msg]);
      expect(broker.published).toEqual([]);
      expect(outcomesOf(harness)).toEqual(['duplicate']);
    });

    it('remembers a handled message, so its redelivery is acked as a duplicate', async () => {
      harness = createServer();
      const { sut, amqp, store } = harness;
      const onPlaced = handler();
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);
      const delivery = { content: event(), routingKey: EVENT, properties: { messageId: 'm-1' } };

      amqp.deliver(QUEUE, delivery);
      await untilOutcomes(harness, 1);
      amqp.deliver(QUEUE, { ...delivery, redelivered: true });
      await untilOutcomes(harness, 2);

      await expect(store.has('m-1')).resolves.toBe(true);
      expect(onPlaced).toHaveBeenCalledTimes(1);
      expect(outcomesOf(harness)).toEqual(['acked', 'duplicate']);
    });

    it('makes a second delivery of a message in flight wait for the first, and acks it as a duplicate once the first settled', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      const running = deferred();
      const onPlaced = handler(() => running.promise);
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);
      const delivery = { content: event(), routingKey: EVENT, properties: { messageId: 'm-1' } };

      const first = amqp.deliver(QUEUE, delivery);
      await flush();
      // The channel closes under the running handler; the broker delivers the message again.
      const next = new FakeConfirmChannel();
      await broker.reconnect(next);
      const second = next.deliver(QUEUE, { ...delivery, redelivered: true });
      await flush();

      expect(onPlaced).toHaveBeenCalledTimes(1);
      expect(next.acked).toEqual([]);

      running.resolve();
      await untilOutcomes(harness, 2);

      expect(onPlaced).toHaveBeenCalledTimes(1);
      expect(amqp.acked).toEqual([first]);
      expect(next.acked).toEqual([second]);
      expect(outcomesOf(harness)).toEqual(['acked', 'duplicate']);
    });

    it('handles the second delivery of a message when the first ended without settling it', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      const running = deferred();
      const onPlaced = handler()
        .mockImplementationOnce(() => running.promise)
        .mockImplementationOnce(() => Promise.resolve());
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);
      const delivery = { content: event(), routingKey: EVENT, properties: { messageId: 'm-1' } };

      amqp.deliver(QUEUE, delivery);
      await flush();
      const next = new FakeConfirmChannel();
      await broker.reconnect(next);
      const second = next.deliver(QUEUE, { ...delivery, redelivered: true });
      await flush();
      // The first attempt's dependency fails after its channel is gone: nothing durable happened.
      running.reject(new DependencyUnavailableError('the orders database'));
      await untilOutcomes(harness, 2);

      expect(onPlaced).toHaveBeenCalledTimes(2);
      expect(amqp.acked).toEqual([]);
      expect(next.acked).toEqual([second]);
      expect(outcomesOf(harness)).toEqual(['requeued', 'acked']);
    });

    it('holds a delivery whose dependency is unavailable, stops consuming and says why, then takes it up again when the dependency is back', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      const onPlaced = handler()
        .mockImplementationOnce(() =>
          Promise.reject(new DependencyUnavailableError('the orders database')),
        )
        .mockImplementation(() => Promise.resolve());
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);
      const [eventConsumer] = amqp.consumers.keys();

      const msg = amqp.deliver(QUEUE, {
        content: event(),
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      await waitFor(() => !sut.isConsuming(), { intervalMs: 2, description: 'the pause' });

      expect(sut.consumerStatus()).toEqual({
        consuming: false,
        reason: expect.stringMatching(
          /^paused since .+: the orders database is unavailable \(1 message\(s\) waiting for it\)$/,
        ) as unknown,
      });
      expect(amqp.cancelled).toEqual([eventConsumer]);
      expect(amqp.consumedQueues()).toEqual([]);
      expect(amqp.acked).toEqual([]);
      expect(amqp.nacked).toEqual([]);
      expect(broker.published).toEqual([]);
      expect(harness.outcomes).toEqual([]);

      // The gate lets the held delivery through as a probe after its back-off (500 ms).
      await untilOutcomes(harness, 1);

      expect(onPlaced).toHaveBeenCalledTimes(2);
      expect(amqp.acked).toEqual([msg]);
      expect(broker.published).toEqual([]);
      expect(outcomesOf(harness)).toEqual(['acked']);
      await waitFor(() => sut.isConsuming(), { intervalMs: 2, description: 'consuming again' });
      expect(amqp.consumedQueues()).toEqual([QUEUE]);
    });

    it('re-declares its topology and re-subscribes when the broker cancels its consumer', async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      const onPlaced = handler();
      sut.addHandler(EVENT, onPlaced, true);
      await listen(sut);

      amqp.cancelByBroker(QUEUE);

      expect(sut.consumerStatus()).toEqual({
        consuming: false,
        reason: expect.stringContaining('the broker cancelled the event consumer') as unknown,
      });
      await waitFor(() => sut.isConsuming(), {
        timeoutMs: 3_000,
        intervalMs: 5,
        description: 're-subscribing',
      });
      expect(amqp.consumedQueues()).toEqual([QUEUE]);
      expect(amqp.exchanges).toEqual(['events', 'events']);

      amqp.deliver(QUEUE, {
        content: event(),
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      await untilOutcomes(harness, 1);
      expect(onPlaced).toHaveBeenCalledTimes(1);
    });
  });

  describe('requests', () => {
    it('dead-letters a message without reply_to on the request queue as misrouted', async () => {
      harness = createServer();
      const { sut, amqp, broker } = harness;
      const onPlaced = handler();
      const onQuote = handler();
      sut.addHandler(EVENT, onPlaced, true);
      sut.addHandler(REQUEST, onQuote, false);
      await listen(sut);

      const msg = amqp.deliver(REQUEST_QUEUE, {
        content: event(),
        exchange: 'events',
        routingKey: EVENT,
        properties: { messageId: 'm-1' },
      });
      await untilOutcomes(harness, 1);

      expect(onPlaced).not.toHaveBeenCalled();
      expect(onQuote).not.toHaveBeenCalled();
      expect(amqp.sent).toEqual([]);
      expect(broker.published).toEqual([
        expect.objectContaining({
          routingKey: 'orders.dlq',
          options: expect.objectContaining({
            messageId: 'm-1',
            headers: expect.objectContaining({
              'x-error-name': 'MisroutedMessageError',
              'x-error-code': 'MISROUTED',
              'x-original-queue': REQUEST_QUEUE,
              'x-original-routing-key': EVENT,
            }) as unknown,
          }) as unknown,
        }),
      ]);
      expect(amqp.acked).toEqual([msg]);
      expect(outcomesOf(harness)).toEqual(['dead-lettered']);
    });

    it('answers a bare JSON request with a bare reply that echoes its correlation id', async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      const onQuote = handler(() => ({ total: 42 }));
      sut.addHandler(REQUEST, onQuote, false);
      await listen(sut);

      const msg = amqp.deliver(REQUEST_QUEUE, {
        content: { orderId: 'o-1' },
        routingKey: REQUEST,
        properties: {
          messageId: 'req-1',
          correlationId: 'their-correlation-id',
          replyTo: 'amq.rabbitmq.reply-to.g1',
        },
      });
      await untilOutcomes(harness, 1);

      expect(onQuote).toHaveBeenCalledWith({ orderId: 'o-1' }, expect.anything());
      expect(amqp.sent).toEqual([
        {
          queue: 'amq.rabbitmq.reply-to.g1',
          content: expect.any(Buffer) as unknown,
          options: expect.objectContaining({
            correlationId: 'their-correlation-id',
            contentType: 'application/json',
          }) as unknown,
        },
      ]);
      expect(replyOf(harness)).toEqual({ total: 42 });
      expect(amqp.acked).toEqual([msg]);
      expect(outcomesOf(harness)).toEqual(['replied']);
    });

    it('answers a failed bare JSON request with the error in the body and the x-error-* headers', async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      sut.addHandler(
        REQUEST,
        handler(() => Promise.reject(new NonRetryableError('unknown currency'))),
        false,
      );
      await listen(sut);

      amqp.deliver(REQUEST_QUEUE, {
        content: { orderId: 'o-1' },
        routingKey: REQUEST,
        properties: { messageId: 'req-1', replyTo: 'amq.rabbitmq.reply-to.g1' },
      });
      await untilOutcomes(harness, 1);

      expect(replyOf(harness)).toEqual({
        error: { name: 'NonRetryableError', message: 'unknown currency', code: 'NON_RETRYABLE' },
      });
      expect(amqp.sent[0].options).toMatchObject({
        // No correlation id on the request: the reply carries its message id.
        correlationId: 'req-1',
        headers: {
          'x-error-name': 'NonRetryableError',
          'x-error-message': 'unknown currency',
          'x-error-code': 'NON_RETRYABLE',
        },
      });
      expect(amqp.acked).toHaveLength(1);
    });

    it("answers a request in Nest's envelope in Nest's envelope", async () => {
      harness = createServer();
      const { sut, amqp } = harness;
      sut.addHandler(
        REQUEST,
        handler(() => ({ total: 42 })),
        false,
      );
      await listen(sut);

      amqp.deliver(REQUEST_QUEUE, {
        content: { pattern: REQUEST, data: { orderId: 'o-1' }, id: 'req-1' },
        routingKey: REQUEST,
        properties: {
          messageId: 'req-1',
          correlationId: 'req-1',
          replyTo: 'amq.rabbitmq.reply-to.g1',
        },
      });
      await untilOutcomes(harness, 1);

      expect(replyOf(harness)).toEqual({ response: { total: 42 }, isDisposed: true });
      expect(amqp.sent[0].options).toMatchObject({ correlationId: 'req-1' });
    });
  });
});
