import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { assignRequestIds } from '../correlation/request-id';
import { unavailable } from './problem-details';
import { ProblemDetailsFilter } from './problem-details.filter';
import { fastifyErrorProblem, type ProblemRule } from './problem-mapping';
import { sendProblem } from './send-problem';

const prepared = new WeakSet<FastifyInstance>();

/**
 * The Fastify adapter of an app that answers errors with problem details: Fastify's own answers to
 * a bad URL (`frameworkErrors`) and to requests arriving during shutdown (instead of its fixed
 * 503 body) go through {@link sendProblem} too. Use with {@link useProblemDetails}.
 */
export function problemDetailsAdapter(options: FastifyServerOptions = {}): FastifyAdapter {
  const adapter = new FastifyAdapter({ ...options, return503OnClosing: false, frameworkErrors });
  prepared.add(adapter.getInstance());
  return adapter;
}

/** Fastify's answer to a request it cannot route (a bad URL, a too long parameter). */
const frameworkErrors: FastifyServerOptions['frameworkErrors'] = (error, request, reply) => {
  const problem = fastifyErrorProblem({
    code: error.code,
    message: error.message,
    statusCode: error.statusCode ?? 400,
  });
  sendProblem(request, reply, problem);
};

/**
 * Makes every error answer of `app` an RFC 9457 problem with the request id: assigns request ids
 * before any other hook, answers requests that arrive while the app shuts down with a 503 problem,
 * and installs the {@link ProblemDetailsFilter} with the app's own `rules`. Call it right after
 * creating the app (with {@link problemDetailsAdapter}), before the hooks and routes that answer.
 */
export function useProblemDetails(
  app: NestFastifyApplication,
  rules: readonly ProblemRule[] = [],
): void {
  const fastify = app.getHttpAdapter().getInstance();
  if (!prepared.has(fastify)) {
    throw new Error('useProblemDetails() needs an app created with problemDetailsAdapter()');
  }
  assignRequestIds(fastify);
  refuseWhileClosing(fastify);
  app.useGlobalFilters(new ProblemDetailsFilter(rules));
}

/** Once the app is closing, new requests get a 503 problem: another instance should take them. */
function refuseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    void reply.header('connection', 'close');
    sendProblem(request, reply, unavailable('The service is shutting down; retry', 1));
  });
}
