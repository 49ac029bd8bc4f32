import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { PRODUCER_ENV, type ProducerEnv } from '../config/producer.env';

/** Header that carries the API key. */
export const API_KEY_HEADER = 'x-api-key';

/** Compares in constant time (hashing first makes the lengths equal), so timing leaks nothing. */
export function keysMatch(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Routes served by Fastify plugins (Swagger UI, AsyncAPI), which Nest guards never see. */
const DOCS_PATHS = /^\/(docs|docs-json|asyncapi\.json)(\/|$|\?)/;

/** Puts the documentation routes behind the API key too, unless listed in API_KEY_PUBLIC_PATHS. */
export function protectDocs(
  fastify: FastifyInstance,
  env: Pick<ProducerEnv, 'API_KEY' | 'API_KEY_PUBLIC_PATHS'>,
): void {
  const expected = env.API_KEY;
  if (!expected) {
    return;
  }
  fastify.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0];
    const given = request.headers[API_KEY_HEADER];
    const isPublic = env.API_KEY_PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
    if (
      !DOCS_PATHS.test(path) ||
      isPublic ||
      (typeof given === 'string' && keysMatch(given, expected))
    ) {
      done();
      return;
    }
    void reply.code(401).send({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'A valid X-API-Key header is required',
    });
  });
}

/** When API_KEY is set, refuses requests without the matching `X-API-Key` (health stays open). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(PRODUCER_ENV) private readonly env: ProducerEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.env.API_KEY;
    if (!expected || context.getType() !== 'http') {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<{ url: string; headers: Record<string, string | string[] | undefined> }>();
    const path = request.url.split('?')[0];
    if (this.env.API_KEY_PUBLIC_PATHS.includes(path)) {
      return true;
    }
    const given = request.headers[API_KEY_HEADER];
    if (typeof given !== 'string' || !keysMatch(given, expected)) {
      throw new UnauthorizedException('A valid X-API-Key header is required');
    }
    return true;
  }
}
