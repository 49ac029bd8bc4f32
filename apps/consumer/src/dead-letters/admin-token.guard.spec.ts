import { ConsumerConfig } from '../config/consumer.config';
import { NotFoundException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { AdminTokenGuard, bearerToken } from './admin-token.guard';

const TOKEN = 'a-very-secret-admin-token';

function httpContext(headers: Record<string, string | string[] | undefined>) {
  const reply = { header: jest.fn() };
  const request = { method: 'GET', url: '/admin/dead-letters?limit=5', headers };
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, reply };
}

describe(bearerToken.name, () => {
  it('takes the token of a Bearer header, whatever the scheme case', () => {
    expect(bearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`bearer ${TOKEN}`)).toBe(TOKEN);
  });

  it('ignores other schemes, missing tokens and repeated headers', () => {
    expect(bearerToken(`Basic ${TOKEN}`)).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken(`Bearer ${TOKEN} extra`)).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toBeUndefined();
  });
});

describe(AdminTokenGuard.name, () => {
  const guard = (token?: string) =>
    new AdminTokenGuard(ConsumerConfig.fromEnv(token === undefined ? {} : { ADMIN_TOKEN: token }));

  it('lets a request with the right bearer token through', () => {
    const { context } = httpContext({ authorization: `Bearer ${TOKEN}` });
    expect(guard(TOKEN).canActivate(context)).toBe(true);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token-at-all' }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('answers 401 with a Bearer challenge for %s', (_case, headers) => {
    const { context, reply } = httpContext(headers);
    expect(() => guard(TOKEN).canActivate(context)).toThrow(UnauthorizedException);
    expect(reply.header).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer realm="admin"');
  });

  it('answers 404 like an unknown route while no ADMIN_TOKEN is configured, even with a token', () => {
    const { context } = httpContext({ authorization: `Bearer ${TOKEN}` });
    expect(() => guard(undefined).canActivate(context)).toThrow(
      new NotFoundException('Cannot GET /admin/dead-letters?limit=5'),
    );
  });
});
