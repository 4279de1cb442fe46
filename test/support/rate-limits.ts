import type { Response } from 'supertest';
import { sequential, statuses, times } from './http';
import { PROBLEM_CONTENT_TYPE } from './problems';

/** The value of X-RateLimit-<what>-<name> as a number (undefined when absent). */
export function rateHeader(
  res: Response,
  what: 'limit' | 'remaining' | 'reset',
  name: string,
): number | undefined {
  const value = res.headers[`x-ratelimit-${what}-${name}`] as string | undefined;
  return value === undefined ? undefined : Number(value);
}

/**
 * A 429 from the named limit: problem+json, a plain Retry-After of whole seconds >= 1 (and the
 * throttler's own Retry-After-<name>), and that limit's X-RateLimit-* headers saying 0 left.
 * Returns Retry-After in seconds.
 */
export function expectThrottled(res: Response, name: string, limit?: number): number {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({
    status: 429,
    body: { status: 429, title: 'Too Many Requests' },
  });
  expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
  const retryAfter = res.headers['retry-after'] as string | undefined;
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(res.headers[`retry-after-${name}`]).toBe(retryAfter);
  expect((res.body as { detail: string }).detail).toBe(
    `Rate limit exceeded; retry after ${retryAfter} seconds.`,
  );
  if (limit !== undefined) expect(rateHeader(res, 'limit', name)).toBe(limit);
  else expect(rateHeader(res, 'limit', name)).toEqual(expect.any(Number));
  expect(rateHeader(res, 'remaining', name)).toBe(0);
  expect(rateHeader(res, 'reset', name)).toBeGreaterThanOrEqual(0);
  return Number(retryAfter);
}

/**
 * `limit` requests pass with the named limit's headers counting down to 0, and the next one is
 * a 429 of that limit. `send(i)` sends request i (0-based); returns the 429.
 */
export async function expectLimitAt(
  name: string,
  limit: number,
  send: (i: number) => PromiseLike<Response>,
  okStatus = 200,
): Promise<Response> {
  const passed = await sequential(limit, send);
  expect(statuses(passed)).toEqual(times(limit, okStatus));
  expect(passed.map((r) => rateHeader(r, 'limit', name))).toEqual(times(limit, limit));
  expect(passed.map((r) => rateHeader(r, 'remaining', name))).toEqual(
    Array.from({ length: limit }, (_, i) => limit - 1 - i),
  );
  const over = await send(limit);
  expectThrottled(over, name, limit);
  return over;
}
