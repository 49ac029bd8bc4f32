import {
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DEAD_LETTERS_ENV, DeadLettersEnv } from './dead-letters.env';

/** The parts of the HTTP request and reply the guard uses (Fastify's, without depending on it). */
interface AdminRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}
interface AdminReply {
  header(name: string, value: string): unknown;
}

/**
 * Compares a presented token with the expected one in constant time. Both are hashed first, so
 * `timingSafeEqual` always gets two equal-length buffers and neither the time taken nor an early
 * length check reveals how much of the token, or how long a token, was right.
 */
export function tokensMatch(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') {
    return undefined;
  }
  return /^Bearer +(\S+) *$/i.exec(header)?.[1];
}

/** Admits only `Bearer <ADMIN_TOKEN>`, because the admin endpoints replay and delete messages. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(DEAD_LETTERS_ENV) private readonly env: DeadLettersEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<AdminRequest>();
    const expected = this.env.ADMIN_TOKEN;
    // Without ADMIN_TOKEN the endpoints are disabled and answer 404, exactly like an unknown route:
    // a service that does not use them does not even reveal that they exist (a 403 would).
    if (expected === undefined) {
      throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
    }
    const presented = bearerToken(request.headers.authorization);
    // A missing, malformed or wrong token: 401 with a Bearer challenge.
    if (presented === undefined || !tokensMatch(presented, expected)) {
      http.getResponse<AdminReply>().header('WWW-Authenticate', 'Bearer realm="admin"');
      throw new UnauthorizedException('A valid admin bearer token is required');
    }
    return true;
  }
}
