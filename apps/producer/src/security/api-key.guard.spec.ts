import { UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { ProducerConfig } from '../config/producer.config';
import { ApiKeyGuard, isPublicPath } from './api-key.guard';

const KEY = 'a-very-secret-api-key';

function http(url: string, headers: Record<string, string> = {}): ExecutionContext {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ url, headers }) }),
  } as unknown as ExecutionContext;
}

describe(ApiKeyGuard.name, () => {
  const sut = new ApiKeyGuard(ProducerConfig.fromEnv({ API_KEY: KEY }));

  it('lets a request with the right key through', () => {
    expect(sut.canActivate(http('/orders', { 'x-api-key': KEY }))).toBe(true);
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'a-very-secret-api-kez' }],
    ['a prefix of the key', { 'x-api-key': KEY.slice(0, 10) }],
  ])('refuses %s with 401', (_, headers) => {
    expect(() => sut.canActivate(http('/orders', headers))).toThrow(UnauthorizedException);
  });

  it('keeps health open', () => {
    expect(sut.canActivate(http('/health/ready?x=1'))).toBe(true);
  });

  it('lets everything through when no API_KEY is configured', () => {
    expect(new ApiKeyGuard(ProducerConfig.fromEnv({})).canActivate(http('/orders'))).toBe(true);
  });

  it('treats an empty API_KEY as unset', () => {
    expect(
      new ApiKeyGuard(ProducerConfig.fromEnv({ API_KEY: '' })).canActivate(http('/orders')),
    ).toBe(true);
  });

  it('rejects an API_KEY shorter than 16 characters at start-up', () => {
    expect(() => ProducerConfig.fromEnv({ API_KEY: 'short' })).toThrow(/API_KEY/);
  });
});

describe(isPublicPath.name, () => {
  it('admits a listed path and what lies below it, not look-alike siblings', () => {
    expect(isPublicPath('/health/live', ['/health/live'])).toBe(true);
    expect(isPublicPath('/docs/swagger-ui.css', ['/docs'])).toBe(true);
    expect(isPublicPath('/health/liveness', ['/health/live'])).toBe(false);
    expect(isPublicPath('/orders', ['/health/live'])).toBe(false);
  });
});
