import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { ClientProxy, RmqRecord, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';
import type { ConsumeMessage } from 'amqplib';
import { lastValueFrom, type Observable } from 'rxjs';
import { CorrelationContext } from '@app/platform';
import { FakeConfirmChannel, waitFor } from '@app/testing';
import {
  PublishRejectedError,
  RemoteHandlerError,
  RequestTimeoutError,
  UnroutableMessageError,
} from './messaging.errors';
import {
  DIRECT_REPLY_TO,
  RabbitClient,
  type PublishOptions,
  type RabbitClientOptions,
} from './rabbitmq.client';

// The client runs over the production ManagedChannel, so these tests see what goes on the wire
// (mandatory, confirms, basic.return); only the connection underneath is fake.
jest.mock('amqp-connection-manager', () => ({ connect: jest.fn() }));

/** amqp-connection-manager's side: hands a connection whose channels are FakeConfirmChannels. */
class FakeConnectionManager extends EventEmitter {
  connection?: { createConfirmChannel(): Promise<unknown> };

  constructor(private readonly amqp: FakeConfirmChannel) {
    super();
  }

  /** The broker accepts the connection: ManagedChannel opens its channel and runs the setup. */
  accept(): void {
    this.connection = { createConfirmChannel: () => Promise.resolve(this.amqp) };
    this.emit('connect', { connection: this.connection, url: 'amqp://127.0.0.1' });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const EVENT = 'order.placed.v1';
const REQUEST = 'order.quote.v1';

async function connectedClient(
  overrides: Partial<RabbitClientOptions> = {},
): Promise<{ sut: RabbitClient; amqp: FakeConfirmChannel }> {
  const amqp = new FakeConfirmChannel();
  const manager = new FakeConnectionManager(amqp);
  jest.mocked(connect).mockReturnValue(manager as unknown as AmqpConnectionManager);
  const sut = new RabbitClient({
    urls: ['amqp://127.0.0.1'],
    connectionName: 'test',
    heartbeatSeconds: 5,
    reconnectSeconds: 1,
    maxWaiters: 100,
    exchange: 'events',
    serviceName: 'producer',
    publishTimeoutMs: 1_000,
    requestTimeoutMs: 1_000,
    ...overrides,
  });
  await sut.connect();
  manager.accept();
  await waitFor(() => sut.isConnected(), { intervalMs: 2, description: 'the channel' });
  return { sut, amqp };
}

function untilPublished(amqp: FakeConfirmChannel, count = 1): Promise<unknown> {
  return waitFor(() => amqp.published.length >= count, {
    intervalMs: 2,
    description: `${count} publish(es)`,
  });
}

/** How a promise stands right now (after pending callbacks ran). */
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  let state: 'pending' | 'settled' = 'pending';
  void promise.then(
    () => (state = 'settled'),
    () => (state = 'settled'),
  );
  for (let i = 0; i < 10; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return state;
}

/** A reply as the server sends it to the direct reply-to consumer. */
function reply(
  amqp: FakeConfirmChannel,
  correlationId: string,
  body: unknown,
): ConsumeMessage | undefined {
  return amqp.deliver(DIRECT_REPLY_TO, {
    content: body as object,
    routingKey: DIRECT_REPLY_TO,
    properties: { correlationId },
  });
}

describe(RabbitClient.name, () => {
  let sut: RabbitClient | undefined;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(true);
  });

  afterEach(async () => {
    await sut?.close();
    sut = undefined;
  });

  describe('emit', () => {
    it('publishes a persistent, mandatory message with a messageId and completes when the broker confirms it', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;

      const emitted = lastValueFrom(sut.emit(EVENT, { orderId: 'o-1' }), {
        defaultValue: undefined,
      });
      await untilPublished(amqp);

      const [publish] = amqp.published;
      expect(publish.exchange).toBe('events');
      expect(publish.routingKey).toBe(EVENT);
      expect(JSON.parse(publish.content.toString('utf8'))).toEqual({
        pattern: EVENT,
        data: { orderId: 'o-1' },
      });
      expect(publish.options).toMatchObject({
        persistent: true,
        mandatory: true,
        messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        contentType: 'application/json',
        appId: 'producer',
        type: EVENT,
      });
      await expect(stateOf(emitted)).resolves.toBe('pending');

      amqp.confirm();

      await expect(emitted).resolves.toBeUndefined();
    });

    it('gives every message its own messageId unless the caller sets one', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;

      const first = lastValueFrom(sut.emit(EVENT, { n: 1 }), { defaultValue: undefined });
      const second = lastValueFrom(sut.emit(EVENT, { n: 2 }), { defaultValue: undefined });
      const third = lastValueFrom(
        sut.emit(EVENT, new RmqRecord({ n: 3 }, { messageId: 'chosen-id' })),
        { defaultValue: undefined },
      );
      await untilPublished(amqp, 3);
      amqp.published.forEach((_, index) => amqp.confirm(index));
      await Promise.all([first, second, third]);

      const ids = amqp.published.map((p) => p.options.messageId);
      expect(new Set(ids).size).toBe(3);
      expect(ids[2]).toBe('chosen-id');
    });

    it('gives the messages a handler publishes ids derived from its message, the same when it runs again', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;
      const client$ = sut;
      const handlerRun = () =>
        CorrelationContext.run({ correlationId: 'flow-1', causationId: 'cause-1' }, () => [
          lastValueFrom(client$.emit(EVENT, { n: 1 }), { defaultValue: undefined }),
          lastValueFrom(client$.emit(EVENT, { n: 2 }), { defaultValue: undefined }),
        ]);

      const firstRun = handlerRun();
      const secondRun = handlerRun();
      await untilPublished(amqp, 4);
      amqp.published.forEach((_, index) => amqp.confirm(index));
      await Promise.all([...firstRun, ...secondRun]);

      const [a, b, again1, again2] = amqp.published.map((p) => p.options);
      expect(a.messageId).not.toBe(b.messageId);
      expect([again1.messageId, again2.messageId]).toEqual([a.messageId, b.messageId]);
      expect(a).toMatchObject({
        correlationId: 'flow-1',
        headers: { 'x-causation-id': 'cause-1' },
      });
    });

    it('fails with UnroutableMessageError when the broker returns the message', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;

      const emitted = lastValueFrom(sut.emit(EVENT, { orderId: 'o-1' }), {
        defaultValue: undefined,
      });
      await untilPublished(amqp);
      amqp.returnUnroutable();

      await expect(emitted).rejects.toThrow(UnroutableMessageError);
      await expect(emitted).rejects.toMatchObject({ exchange: 'events', routingKey: EVENT });
    });

    it('fails with PublishRejectedError when the broker nacks the message', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;

      const emitted = lastValueFrom(sut.emit(EVENT, { orderId: 'o-1' }), {
        defaultValue: undefined,
      });
      await untilPublished(amqp);
      amqp.nackPublish();

      await expect(emitted).rejects.toThrow(PublishRejectedError);
    });
  });

  describe('send', () => {
    it('asks for a reply on direct reply-to, with its own id as correlationId and the flow’s in x-correlation-id', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;
      const client$ = sut;

      const replied = CorrelationContext.run({ correlationId: 'flow-1' }, () =>
        lastValueFrom(client$.send(REQUEST, { orderId: 'o-1' })),
      );
      await untilPublished(amqp);

      const [publish] = amqp.published;
      const { messageId } = publish.options;
      expect(publish.routingKey).toBe(REQUEST);
      expect(messageId).toEqual(expect.any(String));
      expect(publish.options).toMatchObject({
        replyTo: DIRECT_REPLY_TO,
        correlationId: messageId,
        mandatory: true,
        persistent: false,
        expiration: '1000',
        headers: { 'x-correlation-id': 'flow-1' },
      });
      expect(JSON.parse(publish.content.toString('utf8'))).toEqual({
        pattern: REQUEST,
        data: { orderId: 'o-1' },
        id: messageId,
      });
      expect(amqp.consumers.size).toBe(1);
      expect([...amqp.consumers.values()][0]).toMatchObject({
        queue: DIRECT_REPLY_TO,
        options: { noAck: true },
      });

      amqp.confirm();
      reply(amqp, 'someone-else', { response: { total: 1 }, isDisposed: true });
      await expect(stateOf(replied)).resolves.toBe('pending');
      reply(amqp, messageId!, { response: { total: 42 }, isDisposed: true });

      await expect(replied).resolves.toEqual({ total: 42 });
    });

    it('takes the business correlation id from the record when the caller gives one', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;

      const options: PublishOptions = { correlationId: 'flow-2' };

      const replied = lastValueFrom(sut.send(REQUEST, new RmqRecord({ orderId: 'o-1' }, options)));
      await untilPublished(amqp);
      const published = amqp.published[0].options;
      amqp.confirm();
      reply(amqp, published.messageId!, { response: { total: 42 }, isDisposed: true });

      await expect(replied).resolves.toEqual({ total: 42 });
      expect(published.correlationId).toBe(published.messageId);
      expect(published.headers).toMatchObject({ 'x-correlation-id': 'flow-2' });
    });

    it('fails with RemoteHandlerError when the reply carries an error', async () => {
      const client = await connectedClient();
      sut = client.sut;
      const { amqp } = client;

      const replied = lastValueFrom(sut.send(REQUEST, { orderId: 'o-1' }));
      await untilPublished(amqp);
      amqp.confirm();
      reply(amqp, amqp.published[0].options.messageId!, {
        err: {
          name: 'PayloadValidationError',
          message: 'Invalid payload',
          code: 'VALIDATION_FAILED',
        },
        isDisposed: true,
      });

      await expect(replied).rejects.toThrow(RemoteHandlerError);
      await expect(replied).rejects.toMatchObject({
        remoteName: 'PayloadValidationError',
        code: 'VALIDATION_FAILED',
      });
    });

    it('fails with RequestTimeoutError when no reply arrives in time, and ignores a late one', async () => {
      const client = await connectedClient({ requestTimeoutMs: 50 });
      sut = client.sut;
      const { amqp } = client;

      const replied = lastValueFrom(sut.send(REQUEST, { orderId: 'o-1' }));
      await untilPublished(amqp);
      amqp.confirm();

      await expect(replied).rejects.toThrow(RequestTimeoutError);
      await expect(replied).rejects.toMatchObject({ pattern: REQUEST, timeoutMs: 50 });
      expect(() =>
        reply(amqp, amqp.published[0].options.messageId!, { response: {}, isDisposed: true }),
      ).not.toThrow();
    });
  });
});

/**
 * Nest's ClientProxy over a transport that only records: what `ClientProxy.prototype.emit()` and
 * `send()` of the installed Nest do around `dispatchEvent()` and `publish()`.
 */
class RecordingNestClient extends ClientProxy {
  readonly published: ReadPacket[] = [];
  private readonly confirms: (() => void)[] = [];

  connect(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  unwrap<T>(): T {
    throw new Error('not used');
  }
  /** Confirms every event dispatched so far, as the broker would. */
  confirm(): void {
    this.confirms.splice(0).forEach((confirm) => confirm());
  }
  protected dispatchEvent<T>(packet: ReadPacket): Promise<T> {
    JSON.stringify(packet.data);
    this.published.push(packet);
    return new Promise<T>((resolve) => this.confirms.push(() => resolve(undefined as T)));
  }
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    JSON.stringify(packet.data);
    this.published.push(packet);
    callback({ response: 'ok', isDisposed: true });
    return () => undefined;
  }
}

/** A client under comparison: how to make one, count its publishes and confirm its events. */
interface ClientUnderTest {
  client: ClientProxy;
  published(): number;
  confirm(): void;
  close(): Promise<void>;
}

async function settled(): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * 0003: RabbitClient overrides emit() and send() without Nest's connect() chain, so it copies the
 * Observable semantics instead of inheriting them. Each case runs against Nest's own ClientProxy at
 * the installed version and against ours: a Nest upgrade that changes the semantics fails the Nest
 * row (re-read the record), a change of ours fails the RabbitClient row.
 */
describe.each<[string, () => Promise<ClientUnderTest>]>([
  [
    'Nest ClientProxy',
    () => {
      const client = new RecordingNestClient();
      return Promise.resolve({
        client,
        published: () => client.published.length,
        confirm: () => client.confirm(),
        close: () => Promise.resolve(),
      });
    },
  ],
  [
    RabbitClient.name,
    async () => {
      const { sut: client, amqp } = await connectedClient();
      return {
        client,
        published: () => amqp.published.length,
        confirm: () => amqp.published.forEach((_, index) => amqp.confirm(index)),
        close: () => client.close(),
      };
    },
  ],
])('the Observable semantics of %s', (_name, make) => {
  let under: ClientUnderTest;
  const done = (observable: Observable<unknown>) =>
    lastValueFrom(observable, { defaultValue: undefined });

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(true);
  });
  beforeEach(async () => {
    under = await make();
  });
  afterEach(async () => {
    await under.close();
  });

  it('emit() publishes without a subscriber (hot), once however many subscribe', async () => {
    const emitted = under.client.emit(EVENT, { orderId: 'o-1' });
    await waitFor(() => under.published() === 1, { intervalMs: 2, description: 'the publish' });

    const first = done(emitted);
    const second = done(emitted);
    under.confirm();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await settled();
    expect(under.published()).toBe(1);
  });

  it('emit() completes for a subscriber that arrives after the confirm', async () => {
    const emitted = under.client.emit(EVENT, { orderId: 'o-1' });
    await waitFor(() => under.published() === 1, { intervalMs: 2, description: 'the publish' });
    under.confirm();
    await settled();

    await expect(done(emitted)).resolves.toBeUndefined();
    expect(under.published()).toBe(1);
  });

  it('send() publishes only when subscribed (cold), once per subscription', async () => {
    const sent = under.client.send(REQUEST, { orderId: 'o-1' });
    await settled();
    expect(under.published()).toBe(0);

    const first = sent.subscribe({ error: () => undefined });
    await waitFor(() => under.published() === 1, { intervalMs: 2, description: 'a publish' });
    const second = sent.subscribe({ error: () => undefined });
    await waitFor(() => under.published() === 2, { intervalMs: 2, description: 'a second one' });
    first.unsubscribe();
    second.unsubscribe();
  });

  it('fails through the Observable, never by throwing, when a payload cannot be serialised', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    let emitted: Observable<unknown> | undefined;
    let sent: Observable<unknown> | undefined;
    expect(() => {
      emitted = under.client.emit(EVENT, circular);
      sent = under.client.send(REQUEST, circular);
    }).not.toThrow();

    await expect(done(emitted!)).rejects.toThrow(TypeError);
    await expect(done(sent!)).rejects.toThrow(TypeError);
    expect(under.published()).toBe(0);
  });

  it("fails a missing pattern or payload with Nest's InvalidMessageException through the Observable", async () => {
    // InvalidMessageException is not exported by Nest's entry point; its message is the contract.
    const invalid = /invalid data or message pattern/;
    await expect(done(under.client.emit(EVENT, undefined))).rejects.toThrow(invalid);
    await expect(done(under.client.send(undefined, { orderId: 'o-1' }))).rejects.toThrow(invalid);
    expect(under.published()).toBe(0);
  });
});
