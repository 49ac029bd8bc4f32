import { InvalidEnvironmentError, loadEnv } from '@app/config';
import { LoggingEnv, ServiceLogger } from './service-logger';

describe(LoggingEnv.name, () => {
  it.each([
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
  ])('fails at start-up naming %s when it is not a known value', (variable, env) => {
    expect(() => loadEnv(LoggingEnv, env)).toThrow(InvalidEnvironmentError);
    expect(() => loadEnv(LoggingEnv, env)).toThrow(variable);
  });

  it('takes the documented values', () => {
    const settings = loadEnv(LoggingEnv, { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
    expect(ServiceLogger.create('test', settings)).toBeInstanceOf(ServiceLogger);
  });
});
