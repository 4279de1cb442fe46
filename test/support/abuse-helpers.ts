import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import type { Response } from 'supertest';
import { FindOptionsWhere } from 'typeorm';
import { AuditBuffer } from '../../src/security/audit/audit-buffer';
import { AuditLogEntry } from '../../src/security/audit/audit-log.entity';
import type { Role } from '../../src/users/user.entity';
/** Keys are made by identity-helpers' createKey (rateLimitPerMinute included). */
export { createKey } from './identity-helpers';
import { Headers, SignedInUser, bearerHeader, newPassword, uniqueEmail } from './identity-helpers';
import type { TestApp } from './test-app';
import { PROBLEM_CONTENT_TYPE } from './weather-helpers';

/**
 * Shared helpers for the abuse-control e2e files (test/abuse): client addresses behind a
 * trusted proxy, users made without spending the limits under test, rate-limit assertions, the
 * audit log as stored, and log capture.
 */

// ---------------------------------------------------------------------------------------------
// Client addresses

// Random start per process: test apps sharing one Redis (across files and runs) never share an
// address, so their counters never meet.
let nextIp = randomBytes(3).readUIntBE(0, 3);

/** A 10.x.y.z address no other call (in this process, and very likely any other) returns. */
export function uniqueIp(): string {
  nextIp = (nextIp + 1) % 0x1000000;
  return `10.${(nextIp >> 16) & 0xff}.${(nextIp >> 8) & 0xff}.${nextIp & 0xff}`;
}

/** The header a proxy adds; only honoured by an app with TRUST_PROXY covering the proxy. */
export function fromIp(ip: string): Headers {
  return { 'X-Forwarded-For': ip };
}

/** A fresh client address for every call: setup traffic that must not spend a test's IP limit. */
export function anyIp(): Headers {
  return fromIp(uniqueIp());
}

// ---------------------------------------------------------------------------------------------
// People, made through the API

/**
 * Register (always a viewer), grant `role` as the bootstrap admin, log in. Every request comes
 * from a new address (behind TRUST_PROXY=loopback) so setup never spends a per-IP limit.
 */
export async function signUp(t: TestApp, role: Role): Promise<SignedInUser> {
  const email = uniqueEmail(role);
  const password = newPassword();
  const registered = await request(t.server)
    .post('/v1/auth/register')
    .set(anyIp())
    .send({ email, password });
  if (registered.status !== 201) {
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  }
  const id = (registered.body as { id: string }).id;
  if (role !== 'viewer') {
    const patched = await request(t.server)
      .patch(`/v1/users/${id}`)
      .set({ ...t.auth, ...anyIp() })
      .send({ role });
    if (patched.status !== 200) {
      throw new Error(`grant ${role}: ${patched.status} ${JSON.stringify(patched.body)}`);
    }
  }
  const res = await request(t.server).post('/v1/auth/login').set(anyIp()).send({ email, password });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  const { accessToken, refreshToken } = res.body as { accessToken: string; refreshToken: string };
  const auth = bearerHeader(accessToken);
  return { id, email, password, role, session: { accessToken, refreshToken, auth }, auth };
}

// ---------------------------------------------------------------------------------------------
// Traffic

/** Sends `count` requests one after another (order matters for counters); returns them all. */
export async function sequential(
  count: number,
  send: (i: number) => PromiseLike<Response>,
): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < count; i += 1) responses.push(await send(i));
  return responses;
}

export function statuses(responses: Response[]): number[] {
  return responses.map((r) => r.status);
}

/** `[200, 200, 200]`-style arrays without typing them out. */
export function times<T>(count: number, value: T): T[] {
  return Array.from({ length: count }, () => value);
}

// ---------------------------------------------------------------------------------------------
// Rate-limit assertions

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

// ---------------------------------------------------------------------------------------------
// The audit log, as stored

export type AuditRow = AuditLogEntry;

/** Audit rows matching `where`, oldest first, read straight from the database. */
export function auditRows(
  t: TestApp,
  where: FindOptionsWhere<AuditLogEntry> | FindOptionsWhere<AuditLogEntry>[] = {},
): Promise<AuditRow[]> {
  return t.dataSource.getRepository(AuditLogEntry).find({ where, order: { id: 'ASC' } });
}

/** The records one request produced, found by the X-Request-Id the response carried. */
export function auditOf(t: TestApp, res: Response): Promise<AuditRow[]> {
  const requestId = res.headers['x-request-id'];
  expect(requestId).toEqual(expect.any(String));
  return auditRows(t, { requestId });
}

/** Writes whatever the denial/rate-limit buffer holds right now. */
export function flushAudit(t: TestApp): Promise<void> {
  return t.app.get(AuditBuffer).flush();
}

/**
 * Waits (polling, up to `timeoutMs`) until at least `count` rows match: buffered records are
 * written every second. Then drains the buffer, so the rows returned are all there will be.
 */
export async function waitForAudit(
  t: TestApp,
  where: FindOptionsWhere<AuditLogEntry> | FindOptionsWhere<AuditLogEntry>[],
  count = 1,
  timeoutMs = 3000,
): Promise<AuditRow[]> {
  const deadline = Date.now() + timeoutMs;
  while ((await auditRows(t, where)).length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await flushAudit(t);
  return auditRows(t, where);
}

/** Like auditOf, for a record that goes through the buffer (denials, failures, 429s). */
export async function waitForAuditOf(t: TestApp, res: Response): Promise<AuditRow[]> {
  return waitForAudit(t, { requestId: res.headers['x-request-id'] });
}

/** The row's public shape, for toMatchObject against what a test expects. */
export function actorOf(row: AuditRow): Record<string, unknown> {
  return { type: row.actorType, id: row.actorId, role: row.actorRole, method: row.authMethod };
}

// ---------------------------------------------------------------------------------------------
// Log capture

/** A pino destination that keeps every line it is given. */
export function captureLogs(): { destination: Writable; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { destination, lines, text: () => lines.join('') };
}
