import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** Header that carries the request id in and out of the HTTP API. */
export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A request as Fastify or Node.js gives it: Fastify's wraps Node's as `raw`. */
interface AnyRequest {
  headers: Record<string, string | string[] | undefined>;
  raw?: object;
}

const assigned = new WeakMap<object, string>();

/**
 * The request's id: the caller's `X-Request-Id` when it is 1-128 letters, digits or `_.:-`, else a
 * UUID. Decided once per request (kept with Node's request object), so the response header, the
 * messages' correlationId and an error body all give the same id, whichever layer answers.
 */
export function requestIdOf(request: AnyRequest): string {
  const key = request.raw ?? request;
  let id = assigned.get(key);
  if (id === undefined) {
    const incoming = request.headers[REQUEST_ID_HEADER];
    id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    assigned.set(key, id);
  }
  return id;
}

/**
 * Sets `X-Request-Id` on every response, before any other hook runs: 404s, Fastify's 413/415, the
 * guards' 401/429 and the docs routes carry it as well as the controllers' answers.
 */
export function assignRequestIds(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, requestIdOf(request));
    done();
  });
}
