import {
  Injectable,
  NotFoundException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { secretsMatch } from '@app/config';
import { ConsumerConfig } from '../config/consumer.config';

/** Name of the admin API's bearer scheme in the OpenAPI document. */
export const ADMIN_TOKEN_SCHEME = 'AdminToken';

/** The parts of the HTTP request and reply the guard uses (Fastify's, without depending on it). */
interface AdminRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}
interface AdminReply {
  header(name: string, value: string): unknown;
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
  constructor(private readonly config: ConsumerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<AdminRequest>();
    const expected = this.config.env.ADMIN_TOKEN;
    // Without ADMIN_TOKEN the endpoints are disabled and answer 404, exactly like an unknown route:
    // a service that does not use them does not even reveal that they exist (a 403 would).
    if (expected === undefined) {
      throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
    }
    const presented = bearerToken(request.headers.authorization);
    // A missing, malformed or wrong token: 401 with a Bearer challenge.
    if (presented === undefined || !secretsMatch(presented, expected)) {
      http.getResponse<AdminReply>().header('WWW-Authenticate', 'Bearer realm="admin"');
      throw new UnauthorizedException('A valid admin bearer token is required');
    }
    return true;
  }
}
