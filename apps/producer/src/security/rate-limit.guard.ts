import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

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
}
