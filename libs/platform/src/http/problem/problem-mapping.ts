import { HttpException } from '@nestjs/common';
import type { FieldError } from '../../validation/field-errors';
import {
  ProblemTypes,
  statusProblem,
  unavailable,
  validationProblem,
  type Problem,
} from './problem-details';
import { InvalidJsonBodyError, ValidationFailedException } from './problem-errors';

/** Maps one kind of error to its problem, or says it is not its kind (`undefined`). */
export type ProblemRule = (error: unknown) => Problem | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor, abstract ones too
type ErrorClass<E> = abstract new (...args: any[]) => E;

/**
 * A rule for one error class (and its subclasses): an app lists its own errors this way, one line
 * each, e.g. `onError(DatabaseUnavailableError, (e) => unavailable(e.message))`.
 */
export function onError<E extends Error>(
  errorClass: ErrorClass<E>,
  toProblem: (error: E) => Problem,
): ProblemRule {
  return (error) => (error instanceof errorClass ? toProblem(error) : undefined);
}

/** Fastify errors (`FST_ERR_*`) whose problem is more specific than their status. */
const FASTIFY_PROBLEMS: Record<string, (message: string) => Problem> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (message) => ({ type: ProblemTypes.InvalidJson, detail: message }),
  FST_ERR_CTP_EMPTY_JSON_BODY: (message) => ({ type: ProblemTypes.InvalidJson, detail: message }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    statusProblem(415, "The body's Content-Type is not accepted; send application/json"),
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    statusProblem(413, 'The body is larger than this service accepts'),
};

interface StatusError {
  statusCode: number;
  message: string;
  code?: unknown;
}

function isStatusError(error: unknown): error is StatusError {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 600;
}

/**
 * The problem of an error Fastify raised itself (a body it cannot parse, a bad URL, …); also
 * `frameworkErrors`' answer, which no Nest code sees.
 */
export function fastifyErrorProblem(error: StatusError): Problem {
  const specific = typeof error.code === 'string' ? FASTIFY_PROBLEMS[error.code] : undefined;
  return specific?.(error.message) ?? statusProblem(error.statusCode, error.message);
}

/** The legacy `{ errors: [{ field, errors }] }` response of a hand-made BadRequestException. */
function fieldErrorsOf(response: unknown): FieldError[] | undefined {
  const errors = (response as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) &&
    errors.every(
      (error) =>
        typeof (error as FieldError | null)?.field === 'string' &&
        Array.isArray((error as FieldError).errors),
    )
    ? (errors as FieldError[])
    : undefined;
}

/** The human part of an HttpException's response: its message (or messages), or its status text. */
function detailOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') {
    return message;
  }
  if (Array.isArray(message) && message.every((m) => typeof m === 'string')) {
    return message.join('; ');
  }
  return exception.message;
}

/**
 * The problem of the errors every Nest/Fastify app raises: validation, unacceptable JSON, Nest's
 * HttpExceptions (a 503 tells the client when to retry), and Fastify's own 4xx. Undefined for
 * anything else, which is a 500.
 */
export function httpProblem(exception: unknown): Problem | undefined {
  if (exception instanceof ValidationFailedException) {
    return validationProblem(exception.fields, exception.omitted);
  }
  if (exception instanceof InvalidJsonBodyError) {
    return { type: ProblemTypes.InvalidJson, detail: exception.message };
  }
  if (exception instanceof HttpException) {
    // Nest wraps Fastify's 4xx errors (body parsing, media type, size) in an HttpException.
    if (isStatusError(exception.cause)) {
      return fastifyErrorProblem(exception.cause);
    }
    const errors = fieldErrorsOf(exception.getResponse());
    if (errors) {
      const omitted = (exception.getResponse() as { omittedErrors?: unknown }).omittedErrors;
      return validationProblem(errors, typeof omitted === 'number' ? omitted : 0);
    }
    const status = exception.getStatus();
    return status === 503
      ? unavailable(detailOf(exception))
      : statusProblem(status, detailOf(exception));
  }
  if (isStatusError(exception) && exception.statusCode < 500) {
    return fastifyErrorProblem(exception);
  }
  return undefined;
}

/** The 500 of an error nobody mapped: it says nothing of the error, which is logged instead. */
export function unexpectedProblem(requestId: string): Problem {
  return statusProblem(
    500,
    `An unexpected error occurred; it was logged with the request id ${requestId}`,
  );
}
