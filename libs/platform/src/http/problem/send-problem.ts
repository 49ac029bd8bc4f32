import type { FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER, requestIdOf } from '../correlation/request-id';
import {
  PROBLEM_CONTENT_TYPE,
  problemDetails,
  problemInstance,
  type Problem,
} from './problem-details';

/**
 * Sends `problem` as the answer to `request`: status, `application/problem+json`, `X-Request-Id`
 * and, when the problem says when to retry, `Retry-After`. What every error answer goes through,
 * from the exception filter, Fastify hooks and Fastify's framework errors alike.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): void {
  const requestId = requestIdOf(request);
  const body = problemDetails(problem, problemInstance(request.url), requestId);
  if (problem.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(problem.retryAfterSeconds));
  }
  void reply
    .code(body.status)
    .header(REQUEST_ID_HEADER, requestId)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(body));
}
