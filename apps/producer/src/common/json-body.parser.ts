import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidJsonBodyError } from '@app/platform/http';

/** Deeper JSON than this is refused: no order needs it, and deep nesting can exhaust the stack. */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value, measured without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'object' && node !== null) {
      max = Math.max(max, depth + 1);
      for (const child of Object.values(node)) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return max;
}

type Done = (error: Error | null, body?: unknown) => void;

/**
 * Fastify's own JSON parser (which refuses `__proto__` and `constructor.prototype` keys), plus a
 * depth limit: too deep a body is a 400 (an invalid-json problem), not a stack overflow.
 */
export function jsonBodyParser(fastify: FastifyInstance) {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request: FastifyRequest, body: string | Buffer, done: Done): void => {
    void parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) {
        done(error);
      } else if (jsonDepth(value) > MAX_JSON_DEPTH) {
        done(new InvalidJsonBodyError(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`));
      } else {
        done(null, value);
      }
    });
  };
}
