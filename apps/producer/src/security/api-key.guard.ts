import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { secretsMatch } from '@app/config';
import { sendProblem, statusProblem } from '@app/platform/http';
import { ProducerConfig } from '../config/producer.config';
import type { ProducerEnv } from '../config/producer.env';

/** Header that carries the API key. */
export const API_KEY_HEADER = 'x-api-key';

const API_KEY_REQUIRED = 'A valid X-API-Key header is required';

/** Whether `path` is one of the public paths or below one (`/docs` covers `/docs/swagger.css`). */
export function isPublicPath(path: string, publicPaths: readonly string[]): boolean {
  return publicPaths.some((p) => path === p || path.startsWith(`${p}/`));
}

/** Whether the request presents the configured key. */
function presentsKey(headers: Record<string, string | string[] | undefined>, expected: string) {
  const given = headers[API_KEY_HEADER];
  return typeof given === 'string' && secretsMatch(given, expected);
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
    if (
      !DOCS_PATHS.test(path) ||
      isPublicPath(path, env.API_KEY_PUBLIC_PATHS) ||
      presentsKey(request.headers, expected)
    ) {
      done();
      return;
    }
    sendProblem(request, reply, statusProblem(401, API_KEY_REQUIRED));
  });
}

/** When API_KEY is set, refuses requests without the matching `X-API-Key` (health stays open). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly env: ProducerEnv;

  constructor(config: ProducerConfig) {
    this.env = config.env;
  }

  canActivate(context: ExecutionContext): boolean {
    const expected = this.env.API_KEY;
    if (!expected || context.getType() !== 'http') {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<{ url: string; headers: Record<string, string | string[] | undefined> }>();
    if (isPublicPath(request.url.split('?')[0], this.env.API_KEY_PUBLIC_PATHS)) {
      return true;
    }
    if (!presentsKey(request.headers, expected)) {
      throw new UnauthorizedException(API_KEY_REQUIRED);
    }
    return true;
  }
}
