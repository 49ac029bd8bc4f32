import { InvalidEnvironmentError } from '@app/config';
import { MessagingConfig } from './messaging.config';

/** The variables MessagingConfig refuses in `env`, with why. */
function refused(env: Record<string, string>): Record<string, string[]> {
  try {
    MessagingConfig.fromEnv('consumer', env);
    return {};
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return (error as InvalidEnvironmentError).problems;
  }
}

describe('MessagingEnv', () => {
  it('checks every broker URL and the TLS files at start-up, naming the variable', () => {
    expect(refused({ RABBITMQ_URL: 'amqp://orders:s3cret@rabbitmq:5672,amqp://b:99999' })).toEqual({
      RABBITMQ_URL: ['entry 2 has port 99999, outside 1-65535'],
    });
    expect(refused({ RABBITMQ_URL: 'amqps://b', RABBITMQ_CA_FILE: '/nonexistent/ca.pem' })).toEqual(
      { RABBITMQ_CA_FILE: ['cannot read /nonexistent/ca.pem (it does not exist)'] },
    );
    expect(refused({ RABBITMQ_URL: 'amqps://b', RABBITMQ_KEY_FILE: __filename })).toEqual({
      RABBITMQ_KEY_FILE: ['is set without RABBITMQ_CERT_FILE: set both, or neither'],
    });
  });

  it('refuses TLS files with a plain amqp:// URL, the password masked', () => {
    const problems = refused({
      RABBITMQ_URL: 'amqp://orders:s3cret@rabbitmq:5672',
      RABBITMQ_CA_FILE: __filename,
    });

    expect(problems).toEqual({
      RABBITMQ_URL: [
        'amqp://orders:***@rabbitmq:5672 is not TLS, but RABBITMQ_CA_FILE is set: use amqps:// ' +
          'URLs, or unset it',
      ],
    });
  });

  it('accepts the defaults, and TLS files with amqps:// URLs', () => {
    expect(refused({})).toEqual({});
    expect(
      refused({
        RABBITMQ_URL: 'amqps://a:5671,amqps://b:5671',
        RABBITMQ_CA_FILE: __filename,
        RABBITMQ_CERT_FILE: __filename,
        RABBITMQ_KEY_FILE: __filename,
      }),
    ).toEqual({});
  });
});
