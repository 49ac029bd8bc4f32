import { InvalidEnvironmentError, loadEnv } from '@app/config';
import { DeadLettersEnv } from './dead-letters.env';

describe(DeadLettersEnv.name, () => {
  it('leaves the endpoints disabled when ADMIN_TOKEN is unset or empty', () => {
    expect(loadEnv(DeadLettersEnv, {}).ADMIN_TOKEN).toBeUndefined();
    expect(loadEnv(DeadLettersEnv, { ADMIN_TOKEN: '' }).ADMIN_TOKEN).toBeUndefined();
  });

  it('accepts a token of at least 16 characters', () => {
    expect(loadEnv(DeadLettersEnv, { ADMIN_TOKEN: '0123456789abcdef' }).ADMIN_TOKEN).toBe(
      '0123456789abcdef',
    );
  });

  it.each(['short-token', 'has whitespace inside it'])(
    'refuses %j at start-up without echoing it',
    (token) => {
      let error: unknown;
      try {
        loadEnv(DeadLettersEnv, { ADMIN_TOKEN: token });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidEnvironmentError);
      expect((error as Error).message).toContain('ADMIN_TOKEN');
      expect((error as Error).message).not.toContain(token);
    },
  );
});
