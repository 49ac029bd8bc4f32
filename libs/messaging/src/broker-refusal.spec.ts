import { brokerRefusal } from './broker-refusal';
import { BrokerRefusedError } from './messaging.errors';

// What amqplib 2 rejects with, as RabbitMQ 3.10 answered (a wrong password; a vhost that does not
// exist or a user without permissions on it, which amqplib reports alike).
const LOGIN_REFUSED = new Error(
  'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was ' +
    'refused using authentication mechanism PLAIN. For details see the broker logfile."',
);
const VHOST_REFUSED = new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>');

describe(brokerRefusal.name, () => {
  it('words a refused login for a person, naming the user but never the password', () => {
    const refusal = brokerRefusal(
      LOGIN_REFUSED,
      'amqp://orders-consumer:s3cret@rabbitmq:5672/orders',
    );

    expect(refusal).toBeInstanceOf(BrokerRefusedError);
    expect(refusal).toMatchObject({
      name: 'BrokerRefusedError',
      refused: 'login',
      user: 'orders-consumer',
      vhost: 'orders',
      url: 'amqp://orders-consumer:***@rabbitmq:5672/orders',
    });
    expect(refusal!.message).toBe(
      'RabbitMQ refused the login for user orders-consumer at ' +
        "amqp://orders-consumer:***@rabbitmq:5672/orders (check RABBITMQ_URL's user and password)",
    );
    expect(refusal!.message).not.toContain('s3cret');
  });

  it('words a refused vhost, naming the vhost and the user', () => {
    const refusal = brokerRefusal(VHOST_REFUSED, 'amqp://orders:pw@rabbitmq:5672/%2F');

    expect(refusal).toMatchObject({ refused: 'vhost', user: 'orders', vhost: '/' });
    expect(refusal!.message).toMatch(
      /^RabbitMQ refused access to vhost \/ for user orders at amqp:\/\/orders:\*\*\*@rabbitmq:5672\/%2F \(the vhost does not exist, or orders has no permissions on it/,
    );
  });

  it("recognises the broker's own NOT_ALLOWED reply, as other amqplib versions pass it on", () => {
    const error = new Error(
      "Connection closed: 530 (NOT-ALLOWED) with message \"NOT_ALLOWED - access to vhost 'orders' refused for user 'app'\"",
    );
    expect(brokerRefusal(error, 'amqp://app:pw@rabbitmq/orders')).toMatchObject({
      refused: 'vhost',
      user: 'app',
      vhost: 'orders',
    });
  });

  it('uses what amqplib sends when the URL names no user or vhost: guest and /', () => {
    expect(brokerRefusal(LOGIN_REFUSED, 'amqp://rabbitmq:5672')).toMatchObject({
      user: 'guest',
      vhost: '/',
    });
  });

  it('leaves an unreachable broker alone: reconnecting can fix that', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), {
      code: 'ECONNREFUSED',
    });
    expect(brokerRefusal(error, 'amqp://guest:guest@127.0.0.1:5672')).toBeUndefined();
  });
});
