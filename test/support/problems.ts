import type { Response } from 'supertest';
import { expectNoLeaks } from './leaks';

/** RFC 9457 problem bodies: the shape every error answer has, and the few fixed ones. */

export const PROBLEM_CONTENT_TYPE = /^application\/problem\+json/;

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: { field: string; messages: string[] }[];
}

/**
 * The one answer to every authentication failure: the members that must not vary between
 * them (instance and request id do). Hosts without the app's problem filter (test/layers)
 * send exactly this body.
 */
export const UNAUTHENTICATED_PROBLEM = {
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'Missing or invalid credentials.',
};

/**
 * Asserts an RFC 9457 problem response with this status, with every mandatory member, the
 * request id of the response header, and no internals. Returns the body for further checks.
 */
export function expectProblem(res: Response, status: number): ProblemJson {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  const body = res.body as ProblemJson;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      requestId: res.headers['x-request-id'],
    }),
  );
  expectNoLeaks(res);
  return body;
}

/** A 400 validation problem; returns the names of the fields it blames. */
export function expectValidationProblem(res: Response): string[] {
  const body = expectProblem(res, 400);
  return (body.errors ?? []).map((e) => e.field);
}

/** The members of a problem body that must not vary between authentication failures. */
export function problemCore(res: Response): Record<string, unknown> {
  const body = res.body as Record<string, unknown>;
  return {
    status: res.status,
    type: body.type,
    title: body.title,
    detail: body.detail,
    errors: body.errors,
  };
}

/** The uniform 401 (toEqual: `errors` must be absent). */
export function expectUnauthenticated(res: Response): void {
  expect(problemCore(res)).toEqual(UNAUTHENTICATED_PROBLEM);
  expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
}

/** Status, type, title and detail of a problem: what must not differ between two refusals. */
export function refusal(res: Response): Record<string, unknown> {
  const { status, type, title, detail } = problemCore(res);
  return { status, type, title, detail };
}

/** 503 problem+json with a Retry-After of whole seconds: the answer to "a dependency is down". */
export function expectUnavailable(res: Response): void {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status: 503,
    type: expect.stringMatching(PROBLEM_CONTENT_TYPE),
  });
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
  // Never the driver's words: no SQL, no socket errors, no stack.
  expect(JSON.stringify(res.body)).not.toMatch(
    /ECONN|terminated|timeout exceeded|stack|at \w+ \(/i,
  );
}
