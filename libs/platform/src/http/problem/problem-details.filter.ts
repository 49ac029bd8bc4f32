import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestIdOf } from '../correlation/request-id';
import { httpProblem, unexpectedProblem, type ProblemRule } from './problem-mapping';
import { sendProblem } from './send-problem';

/**
 * Answers every error of an HTTP request with `application/problem+json`: first the app's own
 * rules (its error classes, in order, first match wins), then what every app raises (validation,
 * unparsable JSON, HttpExceptions, Fastify's 4xx, Nest's 404 of an unknown route), else a 500 that
 * reveals nothing and logs the error. Errors of message handlers are not HTTP: they are rethrown.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly rules: readonly ProblemRule[] = []) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.problemFor(exception, request);
    if (reply.sent || reply.raw.headersSent) {
      // Too late for an answer (a stream failed midway): end what was started.
      reply.raw.end();
      return;
    }
    sendProblem(request, reply, problem);
  }

  private problemFor(exception: unknown, request: FastifyRequest) {
    for (const rule of this.rules) {
      const problem = rule(exception);
      if (problem) {
        const error = exception as Error;
        this.logger.warn(`${problem.type.status} ${error.name}: ${error.message}`);
        return problem;
      }
    }
    const problem = httpProblem(exception);
    if (problem) {
      if (problem.type.status >= 500 && exception instanceof HttpException) {
        this.logger.warn(`${problem.type.status} ${problem.detail}`);
      }
      return problem;
    }
    const requestId = requestIdOf(request);
    this.logger.error(
      `Unexpected error (request ${requestId}): ` +
        (exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)),
    );
    return unexpectedProblem(requestId);
  }
}
