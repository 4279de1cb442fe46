import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Response } from 'supertest';
import type { TestApp } from './test-app';

/** Request headers, as supertest's `.set()` takes them. */
export type Headers = Record<string, string>;

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A supertest client for /v1 paths that always carries the admin credentials of `t`. */
export function v1(t: TestApp) {
  const agent = request(t.server);
  const url = (path: string) => `/v1${path}`;
  return {
    get: (path: string) => agent.get(url(path)).set(t.auth),
    post: (path: string) => agent.post(url(path)).set(t.auth),
    patch: (path: string) => agent.patch(url(path)).set(t.auth),
    delete: (path: string) => agent.delete(url(path)).set(t.auth),
    options: (path: string) => agent.options(url(path)).set(t.auth),
    trace: (path: string) => agent.trace(url(path)).set(t.auth),
  };
}

/** One request with the given credentials; the body is sent only when given. */
export function call(t: TestApp, method: Method, path: string, headers: Headers, body?: object) {
  const agent = request(t.server);
  const req = {
    GET: () => agent.get(path),
    POST: () => agent.post(path),
    PATCH: () => agent.patch(path),
    DELETE: () => agent.delete(path),
  }
    [method]()
    .set(headers);
  return body === undefined ? req : req.send(body);
}

export function expectStatus(res: Response, status: number): void {
  // Status and body together, so a failure shows what the server said.
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status });
}

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
// Series of requests

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
