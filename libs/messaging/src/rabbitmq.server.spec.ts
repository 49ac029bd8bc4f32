import { HandlerRegistryMismatchError } from './messaging.errors';
import type { BrokerChannel } from './managed-channel';
import { RabbitServer, type RabbitServerOptions } from './rabbitmq.server';
import { InMemoryProcessedMessageStore } from './processed-message-store';

/** A channel that never connects: enough for what happens before the broker is involved. */
const idleChannel = (): BrokerChannel => ({
  start: jest.fn(),
  isReady: () => false,
  onStateChange: jest.fn(),
  waitForChannel: jest.fn(),
  publish: jest.fn(),
  close: jest.fn(() => Promise.resolve()),
});

function server(expectedPatterns: string[], channel = idleChannel()): RabbitServer {
  const options: RabbitServerOptions = {
    urls: ['amqp://127.0.0.1'],
    connectionName: 'test',
    heartbeatSeconds: 5,
    reconnectSeconds: 1,
    exchange: 'events',
    queue: 'test',
    queueType: 'quorum',
    deliveryLimit: 10,
    retry: { maxAttempts: 3, initialDelayMs: 100, multiplier: 2 },
    prefetch: 10,
    drainTimeoutMs: 1_000,
    publishTimeoutMs: 1_000,
    processedStore: new InMemoryProcessedMessageStore(10, 1_000),
    expectedPatterns,
    channelFactory: () => channel,
  };
  return new RabbitServer(options);
}

const handler = Object.assign(() => Promise.resolve(), { isEventHandler: true });

describe('RabbitServer start-up check against the contract registry', () => {
  it('refuses to listen when a contract the service must handle has no handler', () => {
    const channel = idleChannel();
    const sut = server(['order.placed.v1', 'order.cancelled.v1'], channel);
    sut.addHandler('order.placed.v1', handler, true);
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
    const sut = server(['order.placed.v1']);
    sut.addHandler('order.placed.v1', handler, true);
    sut.addHandler('order.shipped.v1', handler, true);
    const callback = jest.fn();

    sut.listen(callback);

    expect(callback).toHaveBeenCalledWith(
      expect.objectContaining({ missing: [], unexpected: ['order.shipped.v1'] }),
    );
  });

  it('starts connecting when the handlers match', () => {
    const channel = idleChannel();
    const sut = server(['order.placed.v1'], channel);
    sut.addHandler('order.placed.v1', handler, true);

    sut.listen(jest.fn());

    expect(channel.start).toHaveBeenCalled();
  });
});
