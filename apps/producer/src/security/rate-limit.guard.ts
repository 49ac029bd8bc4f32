import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

/** Limits requests per client IP (429 with Retry-After); health checks are never limited. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      return Promise.resolve(true);
    }
    const { url } = context.switchToHttp().getRequest<{ url: string }>();
    return Promise.resolve(url.startsWith('/health/'));
  }

  /** The 429 problem's detail (the guard has set Retry-After already). */
  protected override getErrorMessage(
    _context: ExecutionContext,
    { limit, ttl }: ThrottlerLimitDetail,
  ): Promise<string> {
    return Promise.resolve(
      `More than ${limit} requests from this client within ${ttl} ms; retry after Retry-After seconds`,
    );
  }
}
