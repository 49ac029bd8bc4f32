import { InvalidEnvironmentError, loadEnv } from '@app/config';
import { DatabaseEnv } from './database.env';

describe('DatabaseEnv', () => {
  it('names a DATABASE_URL that is not a PostgreSQL URL, without its password', () => {
    let error: unknown;
    try {
      loadEnv(DatabaseEnv, { DATABASE_URL: 'postgres://orders:s3cret@db:654321/orders' });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as InvalidEnvironmentError).problems).toEqual({
      DATABASE_URL: ['has port 654321, outside 1-65535'],
    });
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('accepts a host, or a socket directory in ?host=, and an empty value as unset', () => {
    for (const url of [
      'postgres://orders:pw@db:5432/orders',
      'postgresql://orders@/orders?host=/run/postgresql',
      '',
    ]) {
      expect(() => loadEnv(DatabaseEnv, { DATABASE_URL: url })).not.toThrow();
    }
  });
});
