import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import { brokerUrl, freePort, uniqueName, waitFor } from '@app/testing';

/**
 * A canary for 0002: ManagedChannel replaces amqp-connection-manager's ChannelWrapper because, at
 * the installed version, ChannelWrapper resolves a mandatory publish nobody can route, lets a
 * channel error take the whole connection down, and buffers publishes without bound while the
 * broker is away. These tests assert that the library still does so; when one fails, the library
 * changed: re-read the record, ChannelWrapper may be able to come back.
 */
describe('amqp-connection-manager ChannelWrapper (what ManagedChannel replaces)', () => {
  let manager: AmqpConnectionManager | undefined;
  let channel: ChannelWrapper | undefined;

  afterEach(async () => {
    await channel?.close().catch(() => undefined);
    await manager?.close();
    channel = undefined;
    manager = undefined;
  });

  async function connected(): Promise<{ manager: AmqpConnectionManager; channel: ChannelWrapper }> {
    manager = connect([brokerUrl()], { reconnectTimeInSeconds: 1 });
    channel = manager.createChannel({ confirm: true, json: false });
    channel.on('error', () => undefined);
    await channel.waitForConnect();
    return { manager, channel };
  }

  it('resolves a mandatory publish that nobody can route', async () => {
    const { channel } = await connected();

    await expect(
      channel.publish('', uniqueName('nobody-bound'), Buffer.from('{}'), { mandatory: true }),
    ).resolves.toBe(true);
  });

  it('drops the whole connection on a channel error', async () => {
    const { manager, channel } = await connected();
    let disconnected = false;
    manager.on('disconnect', () => (disconnected = true));

    await expect(channel.checkQueue(uniqueName('missing'))).rejects.toThrow(/NOT_FOUND/);

    await waitFor(() => disconnected, { description: 'the connection to drop' });
  });

  it('queues every publish while the broker is unreachable, with no bound', async () => {
    manager = connect([`amqp://127.0.0.1:${await freePort()}`], { reconnectTimeInSeconds: 1 });
    channel = manager.createChannel({ confirm: true, json: false });
    const publishes = Array.from({ length: 1_000 }, () =>
      channel!.publish('', 'anywhere', Buffer.from('{}')).catch(() => undefined),
    );

    expect(channel.queueLength()).toBe(publishes.length);
  });
});
