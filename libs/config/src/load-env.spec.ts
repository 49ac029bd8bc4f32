import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { InvalidEnvironmentError, loadEnv } from './load-env';
import { ToList, ToNumber } from './env-transforms';
import { messageWithoutPassword, redactUrl } from './redact-url';

class SampleEnv {
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @ToList()
  @IsString({ each: true })
  @IsOptional()
  URLS: string[] = ['amqp://localhost'];
}

describe(loadEnv.name, () => {
  it('applies defaults when variables are absent', () => {
    const env = loadEnv(SampleEnv, {});
    expect(env.PORT).toBe(3000);
    expect(env.URLS).toEqual(['amqp://localhost']);
  });

  it('parses numbers and comma-separated lists', () => {
    const env = loadEnv(SampleEnv, { PORT: '8080', URLS: 'amqp://a, amqp://b' });
    expect(env.PORT).toBe(8080);
    expect(env.URLS).toEqual(['amqp://a', 'amqp://b']);
  });

  it('names the bad variable and does not echo its value', () => {
    let error: unknown;
    try {
      loadEnv(SampleEnv, { PORT: 'secret-value' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as Error).message).toContain('PORT');
    expect((error as Error).message).not.toContain('secret-value');
  });
});

describe(redactUrl.name, () => {
  it('hides the password', () => {
    expect(redactUrl('amqp://user:pa55@host:5672/vh')).toBe('amqp://user:***@host:5672/vh');
  });

  it('never throws on garbage', () => {
    expect(redactUrl('not a url')).toBe('<unparseable url>');
  });
});

describe(messageWithoutPassword.name, () => {
  it('blanks the password, as written and percent-decoded, wherever a message echoes it', () => {
    const url = 'amqp://user:p%40ss@host:5672';
    const error = new Error('failed for amqp://user:p%40ss@host and p@ss');

    expect(messageWithoutPassword(error, url)).toBe('failed for amqp://user:***@host and ***');
  });
});
