import { STATUS_CODES } from 'node:http';
import type { FieldError } from '../../validation/field-errors';
import { MAX_REPORTED_ERRORS } from '../../validation/size-guard';

/** The media type of every error answer (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Where the `type` URIs of this API's own problem kinds live. They are identifiers, compared as
 * strings, not links: the `.example` domain is reserved (RFC 2606), so they never resolve to someone
 * else's page. docs/errors.md lists each kind.
 */
export const PROBLEM_TYPE_BASE = 'https://nest-rabbitmq-orders.example/problems/';

/** Seconds a client is told to wait (`Retry-After`) when a dependency is away. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** A kind of problem: its `type` URI, its `title` (the same for every occurrence) and its status. */
export interface ProblemType {
  readonly type: string;
  readonly title: string;
  readonly status: number;
}

/** A problem kind of this API, `${PROBLEM_TYPE_BASE}${slug}`. */
export function problemType(slug: string, status: number, title: string): ProblemType {
  return { type: `${PROBLEM_TYPE_BASE}${slug}`, title, status };
}

/**
 * A plain HTTP status, which says all there is to say (401, 404, 413, 415, 429, 500, …): `about:blank`
 * with the status phrase as title, as RFC 9457 §4.2.1 recommends.
 */
export function statusProblemType(status: number): ProblemType {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status };
}

/** The problem kinds both apps can answer; an app adds its own with {@link problemType}. */
export const ProblemTypes = {
  /** 400 with `errors` (and `omittedErrors`): fix the listed fields. */
  ValidationFailed: problemType('validation-failed', 400, 'The request is invalid'),
  /** 400: the body is not JSON this API accepts (unparsable, empty, too deeply nested, `__proto__`). */
  InvalidJson: problemType('invalid-json', 400, 'The body is not acceptable JSON'),
  /** 503 + Retry-After: something the request needs is away; nothing was done, retry later. */
  ServiceUnavailable: problemType(
    'service-unavailable',
    503,
    'A service this request needs is unavailable',
  ),
  /** 502: the service that handles the request over the broker failed. */
  UpstreamFailed: problemType('upstream-failed', 502, 'The downstream service failed'),
  /** 504: the service that handles the request over the broker did not answer in time. */
  UpstreamTimeout: problemType(
    'upstream-timeout',
    504,
    'The downstream service did not answer in time',
  ),
} as const;

/** What an error becomes: its kind, the words for this occurrence and, for a 503, when to retry. */
export interface Problem {
  type: ProblemType;
  /** This occurrence, in words a client developer can act on; never a stack or an internal name. */
  detail: string;
  /** Sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Of a validation problem: the wrong fields, at most MAX_REPORTED_ERRORS. */
  errors?: FieldError[];
  /** Of a validation problem: the wrong fields beyond those in `errors`. */
  omittedErrors?: number;
}

/** The body of every error answer (RFC 9457), with the request id and a validation's fields. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request's path (without the query). */
  instance: string;
  /** The request's `X-Request-Id`, also in the response header. */
  requestId: string;
  errors?: FieldError[];
  omittedErrors?: number;
}

/** 503 + Retry-After: a dependency is away; the detail says which. */
export function unavailable(
  detail: string,
  retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
): Problem {
  return { type: ProblemTypes.ServiceUnavailable, detail, retryAfterSeconds };
}

/** 400 naming the wrong fields; the detail repeats the only one, or names them all. */
export function validationProblem(errors: FieldError[], omittedErrors = 0): Problem {
  const total = errors.length + omittedErrors;
  const detail =
    errors.length === 1 && omittedErrors === 0
      ? `${errors[0].field}: ${errors[0].errors.join('; ')}`
      : `${total} fields are invalid: ${errors.map((error) => error.field).join(', ')}` +
        (omittedErrors > 0 ? ` and ${omittedErrors} more` : '');
  return {
    type: ProblemTypes.ValidationFailed,
    detail,
    errors,
    ...(omittedErrors > 0 ? { omittedErrors } : {}),
  };
}

/** A plain-status problem (`about:blank`). */
export function statusProblem(status: number, detail: string): Problem {
  return { type: statusProblemType(status), detail };
}

/**
 * The request's path as a URI reference for `instance`: the query is left out (it is not part of
 * what went wrong, and may carry anything), and characters a URI cannot hold are percent-encoded.
 */
export function problemInstance(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0];
  return path.replace(/%(?![0-9A-Fa-f]{2})|[^\w\-.~!$&'()*+,;=:@/%]/g, (character) =>
    encodeURIComponent(character),
  );
}

/** The body of `problem` for one request. */
export function problemDetails(
  problem: Problem,
  instance: string,
  requestId: string,
): ProblemDetails {
  const { type, title, status } = problem.type;
  return {
    type,
    title,
    status,
    detail: problem.detail,
    instance,
    requestId,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...(problem.omittedErrors ? { omittedErrors: problem.omittedErrors } : {}),
  };
}

/**
 * The JSON schema of {@link ProblemDetails}: the `ProblemDetails` component of both OpenAPI
 * documents, and what the e2e tests check every error body against. Closed
 * (`additionalProperties: false`), so a new member is documented before it is sent.
 */
export const PROBLEM_DETAILS_SCHEMA = {
  type: 'object',
  description:
    'An error answer (RFC 9457 problem details, `application/problem+json`). `type` identifies ' +
    `the kind of problem: \`about:blank\` for a plain HTTP status, else a URI under ${PROBLEM_TYPE_BASE} ` +
    '(identifiers, not links; docs/errors.md lists them).',
  required: ['type', 'title', 'status', 'detail', 'instance', 'requestId'],
  additionalProperties: false,
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: 'The kind of problem, e.g. about:blank or …/problems/validation-failed.',
    },
    title: { type: 'string', description: 'The same for every problem of this type.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status.' },
    detail: { type: 'string', description: 'This occurrence, in words.' },
    instance: {
      type: 'string',
      format: 'uri-reference',
      description: 'The request path (without the query).',
    },
    requestId: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: "The request's X-Request-Id (yours, or a generated UUID).",
    },
    errors: {
      type: 'array',
      maxItems: MAX_REPORTED_ERRORS,
      description: `Of a validation-failed problem: each wrong field (at most ${MAX_REPORTED_ERRORS}).`,
      items: {
        type: 'object',
        required: ['field', 'errors'],
        additionalProperties: false,
        properties: {
          field: { type: 'string', description: 'Dotted path, e.g. items.0.quantity.' },
          errors: { type: 'array', minItems: 1, items: { type: 'string' } },
        },
      },
    },
    omittedErrors: {
      type: 'integer',
      minimum: 1,
      description: 'Of a validation-failed problem: wrong fields beyond those listed.',
    },
  },
} as const;
