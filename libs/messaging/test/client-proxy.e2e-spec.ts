import { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  MESSAGING_CLIENT,
  MessagingConfig,
  RabbitClient,
  UnroutableMessageError,
} from '@app/messaging';
import { connectBroker, deleteTopology, isolatedBrokerEnv, waitFor } from '@app/testing';
import { TestPatterns, TestService, type WorkPayload } from './support/test-service';

/** RabbitClient keeps the ClientProxy contract of emit() and send() with its own, lighter chain. */
describe('RabbitClient as a ClientProxy', () => {
  let service: TestService;
  let client: ClientProxy;

  beforeAll(async () => {
    service = await TestService.start();
    client = service.app!.get<ClientProxy>(MESSAGING_CLIENT);
  });

  afterAll(async () => {
    await service?.close();
  });

  const echoReplies = () =>
    service.outcomes.filter((o) => o.pattern === TestPatterns.Echo && o.outcome === 'replied');

  it('emit() publishes at once, whether or not anyone subscribes (a hot Observable)', async () => {
    client.emit(TestPatterns.Work, { id: 'hot' });

    await waitFor(() => service.log.completed.includes('hot'), { description: 'the hot event' });
  });

  it('emit() completes on the confirm and fails with the reason when nothing is bound', async () => {
    // Unobserved failures must not surface as unhandled rejections.
    client.emit('test.nobody.v1', { id: 'lost-quietly' });

    await expect(
      lastValueFrom(client.emit('test.nobody.v1', { id: 'unroutable' })),
    ).rejects.toBeInstanceOf(UnroutableMessageError);
    await expect(
      lastValueFrom(client.emit(TestPatterns.Work, { id: 'confirmed' })),
    ).resolves.toBeUndefined();
  });

  it('send() publishes only when subscribed (a cold Observable), once per subscription', async () => {
    const reply$ = client.send<WorkPayload>(TestPatterns.Echo, { id: 'cold' });
    // A full round trip after creating it: had it published, its reply would be counted by now.
    await lastValueFrom(client.send(TestPatterns.Echo, { id: 'other' }));
    expect(echoReplies()).toHaveLength(1);

    await expect(lastValueFrom(reply$)).resolves.toEqual({ id: 'cold' });
    await waitFor(() => echoReplies().length === 2, { description: 'the cold request handled' });
  });

  it('fails through the Observable, never by throwing, when a payload cannot be serialised', async () => {
    const circular: Record<string, unknown> = { id: 'circular' };
    circular.self = circular;

    let emitted: ReturnType<ClientProxy['emit']> | undefined;
    expect(() => (emitted = client.emit(TestPatterns.Work, circular))).not.toThrow();
    await expect(lastValueFrom(emitted!)).rejects.toThrow(TypeError);
    await expect(lastValueFrom(client.send(TestPatterns.Echo, circular))).rejects.toThrow(
      TypeError,
    );
  });

  it('rejects a missing payload as Nest does', async () => {
    await expect(lastValueFrom(client.emit(TestPatterns.Work, undefined))).rejects.toThrow(
      /invalid data or message pattern/,
    );
    await expect(lastValueFrom(client.send(TestPatterns.Echo, null))).rejects.toThrow(
      /invalid data or message pattern/,
    );
  });
});

/** A service that only publishes (MessagingModule with consume: false) has no topology of its own. */
describe('RabbitClient without a consumer', () => {
  const env = isolatedBrokerEnv('publisher-only');
  let client: RabbitClient | undefined;

  afterAll(async () => {
    await client?.close();
    await deleteTopology(env, []);
  });

  it('declares the exchange itself, so its first publish is answered, not a closed channel', async () => {
    client = new RabbitClient(MessagingConfig.fromEnv('publisher-only', env).clientOptions());
    await client.connect();
    await waitFor(() => client!.isConnected(), { description: 'the publisher channel' });

    const connection = await connectBroker();
    try {
      const channel = await connection.createChannel();
      await expect(channel.checkExchange(env.RABBITMQ_EXCHANGE)).resolves.toBeDefined();
    } finally {
      await connection.close();
    }
    // Nothing is bound yet: the reason is the missing queue, not a broker "away" after a timeout.
    await expect(
      lastValueFrom(client.emit('test.nobody.v1', { id: 'first' })),
    ).rejects.toBeInstanceOf(UnroutableMessageError);
  });
});
