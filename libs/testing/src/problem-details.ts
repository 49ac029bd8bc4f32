import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_DETAILS_SCHEMA,
  PROBLEM_TYPE_BASE,
  REQUEST_ID_HEADER,
  type ProblemDetails,
} from '@app/platform/http';

/** An HTTP answer as the tests read it. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** What a test expects of an error answer; `type` is a slug under PROBLEM_TYPE_BASE or about:blank. */
export interface ExpectedProblem {
  status: number;
  /** When the test knows it. */
  type?: string;
  /** The request path, when the test knows it. */
  instance?: string;
}

const validate = addFormats(new Ajv({ allErrors: true, strict: true })).compile<ProblemDetails>(
  PROBLEM_DETAILS_SCHEMA,
);

/** The full `type` URI of a slug (`validation-failed`), or `about:blank` as it is. */
export function problemTypeUri(type: string): string {
  return type === 'about:blank' ? type : `${PROBLEM_TYPE_BASE}${type}`;
}

/**
 * Everything wrong with `answer` as a problem-details answer: its content type, its body against
 * the one schema every error body follows (PROBLEM_DETAILS_SCHEMA), its status, type and instance,
 * and X-Request-Id equal to the body's requestId. Empty when all is right.
 */
export function problemViolations(answer: HttpAnswer, expected: ExpectedProblem): string[] {
  const violations: string[] = [];
  const contentType = answer.headers.get('content-type') ?? '';
  if (!contentType.startsWith(PROBLEM_CONTENT_TYPE)) {
    violations.push(`content-type is ${contentType}, not ${PROBLEM_CONTENT_TYPE}`);
  }
  if (!validate(answer.body)) {
    violations.push(
      ...(validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message ?? 'is invalid'}`),
    );
    return violations;
  }
  const body = answer.body;
  const checks: [string, unknown, unknown][] = [
    ['HTTP status', answer.status, expected.status],
    ['status', body.status, expected.status],
    ['X-Request-Id', answer.headers.get(REQUEST_ID_HEADER), body.requestId],
  ];
  if (expected.type !== undefined) {
    checks.push(['type', body.type, problemTypeUri(expected.type)]);
  }
  if (expected.instance !== undefined) {
    checks.push(['instance', body.instance, expected.instance]);
  }
  for (const [what, actual, wanted] of checks) {
    if (actual !== wanted) {
      violations.push(`${what} is ${String(actual)}, expected ${String(wanted)}`);
    }
  }
  return violations;
}

/** Sends a request and reads the answer (the body parsed when it is JSON of any kind). */
export async function fetchAnswer(
  url: string,
  init: RequestInit = {},
): Promise<HttpAnswer & { body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    // Not JSON: kept as text, which the schema then refuses.
  }
  return {
    status: response.status,
    headers: response.headers,
    body: body as Record<string, unknown>,
  };
}
