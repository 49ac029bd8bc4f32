import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

const logger = new Logger('HttpShutdown');

/**
 * On shutdown, answers the requests in flight with `Connection: close`, so their keep-alive
 * sockets end with the response and the server can close once they are done, instead of waiting
 * for the keep-alive timeout. (Fastify already answers requests that arrive after that with 503.)
 * A client that stops reading its response would still hold the close open for as long as it
 * likes: after `graceMs` the sockets left are cut, so a shutdown is always bounded.
 */
export function closeConnectionsOnShutdown(fastify: FastifyInstance, graceMs: number): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    const cut = setTimeout(() => {
      fastify.server.getConnections((error, count) => {
        if (!error && count > 0) {
          logger.warn(
            `${count} HTTP connection(s) still open ${graceMs} ms into the shutdown; closing them`,
          );
        }
        fastify.server.closeAllConnections();
      });
    }, graceMs);
    cut.unref();
    fastify.server.once('close', () => clearTimeout(cut));
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
}
