import { InvalidEnvironmentError } from '@app/config';
import { ServiceLogger } from './service-logger';

describe('ServiceLogger.create', () => {
  it.each([
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['LOG_FORMAT', { LOG_FORMAT: 'xml' }],
  ])('fails at start-up naming %s when it is not a known value', (variable, env) => {
    expect(() => ServiceLogger.create('test', env)).toThrow(InvalidEnvironmentError);
    expect(() => ServiceLogger.create('test', env)).toThrow(variable);
  });

  it('takes the documented values', () => {
    expect(
      ServiceLogger.create('test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
    ).toBeInstanceOf(ServiceLogger);
  });
});
