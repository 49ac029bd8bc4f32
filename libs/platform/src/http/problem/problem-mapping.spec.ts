import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ValidationError } from 'class-validator';
import {
  PROBLEM_TYPE_BASE,
  problemDetails,
  problemInstance,
  ProblemTypes,
  statusProblem,
  unavailable,
} from './problem-details';
import { InvalidJsonBodyError, ValidationFailedException } from './problem-errors';
import { fastifyErrorProblem, httpProblem, onError } from './problem-mapping';

class DatabaseUnavailableError extends Error {}
class ReplicaLagError extends DatabaseUnavailableError {}

function fastifyError(code: string, statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { name: 'FastifyError', code, statusCode });
}

describe(onError.name, () => {
  it('maps its class and subclasses, and says nothing of other errors', () => {
    const rule = onError(DatabaseUnavailableError, (e) => unavailable(e.message));

    expect(rule(new ReplicaLagError('the database is away'))).toEqual({
      type: ProblemTypes.ServiceUnavailable,
      detail: 'the database is away',
      retryAfterSeconds: 5,
    });
    expect(rule(new Error('other'))).toBeUndefined();
    expect(rule('not even an error')).toBeUndefined();
  });
});

describe(httpProblem.name, () => {
  it('makes a validation-failed problem of a ValidationFailedException, with its fields', () => {
    const error = new ValidationError();
    error.property = 'currency';
    error.constraints = { isIn: 'currency must be three upper-case letters' };

    expect(httpProblem(ValidationFailedException.from([error]))).toEqual({
      type: ProblemTypes.ValidationFailed,
      detail: 'currency: currency must be three upper-case letters',
      errors: [{ field: 'currency', errors: ['currency must be three upper-case letters'] }],
    });
  });

  it('names every field, and counts those beyond the list, in the detail', () => {
    const problem = httpProblem(
      new ValidationFailedException(
        [
          { field: 'a', errors: ['x'] },
          { field: 'b', errors: ['y'] },
        ],
        3,
      ),
    );

    expect(problem).toMatchObject({
      detail: '5 fields are invalid: a, b and 3 more',
      omittedErrors: 3,
    });
  });

  it('reads the field list of a hand-made BadRequestException', () => {
    const errors = [
      { field: 'Idempotency-Key', errors: ['must be 1-255 visible ASCII characters'] },
    ];

    expect(
      httpProblem(new BadRequestException({ message: 'Validation failed', errors })),
    ).toMatchObject({ type: ProblemTypes.ValidationFailed, errors });
  });

  it.each([
    ['unparsable', 'FST_ERR_CTP_INVALID_JSON_BODY', 400, ProblemTypes.InvalidJson.type],
    ['empty', 'FST_ERR_CTP_EMPTY_JSON_BODY', 400, ProblemTypes.InvalidJson.type],
    ['too large', 'FST_ERR_CTP_BODY_TOO_LARGE', 413, 'about:blank'],
    ['unsupported media', 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'about:blank'],
    ['a bad URL', 'FST_ERR_BAD_URL', 400, 'about:blank'],
  ])('maps a Fastify error (%s), also as Nest wraps it', (_, code, status, type) => {
    const raw = fastifyError(code, status, 'fastify says no');
    const wrapped = new HttpException(raw.message, status, { cause: raw });

    for (const error of [raw, wrapped]) {
      expect(httpProblem(error)).toMatchObject({ type: { type, status } });
    }
  });

  it('makes an invalid-json problem of a body refused after parsing', () => {
    expect(httpProblem(new InvalidJsonBodyError('too deep'))).toEqual({
      type: ProblemTypes.InvalidJson,
      detail: 'too deep',
    });
  });

  it('answers a plain HttpException with about:blank and its message, a 503 with Retry-After', () => {
    expect(httpProblem(new NotFoundException('Cannot GET /x'))).toEqual(
      statusProblem(404, 'Cannot GET /x'),
    );
    expect(httpProblem(new BadRequestException(['a is wrong', 'b is wrong']))).toEqual(
      statusProblem(400, 'a is wrong; b is wrong'),
    );
    expect(httpProblem(new ServiceUnavailableException('the broker is away'))).toEqual(
      unavailable('the broker is away'),
    );
  });

  it('leaves an unknown error, and a 5xx one of Fastify, to the 500', () => {
    expect(httpProblem(new TypeError('x is undefined'))).toBeUndefined();
    expect(httpProblem(fastifyError('FST_ERR_HANDLER_TIMEOUT', 503, 'timeout'))).toBeUndefined();
  });
});

describe(fastifyErrorProblem.name, () => {
  it('keeps the status and message of an error it has no specific kind for', () => {
    expect(fastifyErrorProblem({ statusCode: 414, message: 'too long', code: 'FST_X' })).toEqual(
      statusProblem(414, 'too long'),
    );
  });
});

describe(problemInstance.name, () => {
  it('is the path without the query, as a valid URI reference', () => {
    expect(problemInstance('/orders/1?secret=x')).toBe('/orders/1');
    expect(problemInstance('/%')).toBe('/%25');
    expect(problemInstance('/a b/%41"')).toBe('/a%20b/%41%22');
  });
});

describe(problemDetails.name, () => {
  it('gives the members in order, with the extensions only when there are some', () => {
    expect(Object.keys(problemDetails(statusProblem(401, 'no key'), '/orders', 'req-1'))).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'requestId',
    ]);
    expect(ProblemTypes.ValidationFailed.type).toBe(`${PROBLEM_TYPE_BASE}validation-failed`);
  });
});
