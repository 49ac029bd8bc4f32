import { EventEmitter } from 'node:events';
import type { LoggerService } from '@nestjs/common';
import { ManagedChannel } from './managed-channel';

// amqp-connection-manager, replaced by an emitter this test drives: no broker needed to see what
// the connection code logs when one refuses.
const mockManager = Object.assign(new EventEmitter(), { close: () => Promise.resolve() });
jest.mock('amqp-connection-manager', () => ({ connect: () => mockManager }));

function logger() {
  return { log: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies LoggerService;
}

function startChannel(log: LoggerService): ManagedChannel {
  const channel = new ManagedChannel({
    urls: ['amqp://orders-consumer:s3cret@rabbitmq:5672'],
    connectionName: 'consumer',
    heartbeatSeconds: 10,
    reconnectSeconds: 1,
    maxWaiters: 10,
    logger: log,
  });
  channel.start();
  return channel;
}

describe('ManagedChannel connection log', () => {
  afterEach(() => mockManager.removeAllListeners());

  it('logs a refused login as an error a person can act on, without the password', () => {
    const log = logger();
    startChannel(log);

    mockManager.emit('connectFailed', {
      err: new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message "…"'),
      url: 'amqp://orders-consumer:s3cret@rabbitmq:5672',
    });

    expect(log.error).toHaveBeenCalledWith(
      'consumer: BrokerRefusedError: RabbitMQ refused the login for user orders-consumer at ' +
        "amqp://orders-consumer:***@rabbitmq:5672 (check RABBITMQ_URL's user and password)",
    );
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('logs an unreachable broker as a warning, as before', () => {
    const log = logger();
    startChannel(log);

    mockManager.emit('connectFailed', {
      err: new Error('connect ECONNREFUSED 10.0.0.1:5672'),
      url: 'amqp://orders-consumer:s3cret@rabbitmq:5672',
    });

    expect(log.warn).toHaveBeenCalledWith(
      'consumer: cannot connect to amqp://orders-consumer:***@rabbitmq:5672 ' +
        '(connect ECONNREFUSED 10.0.0.1:5672)',
    );
    expect(log.error).not.toHaveBeenCalled();
  });

  it("logs the broker's version on connect, and warns about one older than 3.10", () => {
    const log = logger();
    const channel = startChannel(log);
    const connection = (version: string) => ({
      connection: { serverProperties: { version } },
      createConfirmChannel: () => new Promise(() => undefined),
    });

    mockManager.emit('connect', { connection: connection('4.2.5'), url: 'amqp://x:y@rabbitmq' });
    expect(log.log).toHaveBeenCalledWith(
      'consumer: connected to amqp://x:***@rabbitmq (RabbitMQ 4.2.5)',
    );
    expect(log.warn).not.toHaveBeenCalled();

    void channel.close();
    const old = logger();
    startChannel(old);
    mockManager.emit('connect', { connection: connection('3.9.29'), url: 'amqp://rabbitmq' });
    expect(old.warn).toHaveBeenCalledWith(
      expect.stringMatching(/RabbitMQ 3\.9\.29 is older than the oldest supported, 3\.10\.0/),
    );
  });
});
