import type { FastifyInstance } from 'fastify';

/**
 * On shutdown, answers the requests in flight with `Connection: close`, so their keep-alive
 * sockets end with the response and the server can close once they are done, instead of waiting
 * for the keep-alive timeout. (Fastify already answers requests that arrive after that with 503.)
 */
export function closeConnectionsOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
}
