import request from 'supertest';
import type { Response } from 'supertest';
import { stationBody as baseStationBody } from './fixtures';
import type { TestApp } from './test-app';

/**
 * Shared helpers for the weather-domain e2e files. Every /v1 request goes through `v1()`, which
 * always sends `t.auth`, so these tests keep passing once authentication guards the API.
 */

export const PROBLEM_CONTENT_TYPE = /^application\/problem\+json/;

/** Strings that must never reach a client: driver errors, SQL text, stack frames. */
export const LEAK_MARKERS = [
  'QueryFailedError',
  'SELECT ',
  'at Object.',
  '    at ',
  'node_modules',
];

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

/** Row count of a table (optionally of one station), read straight from the database. */
export async function countRows(
  t: TestApp,
  table: 'stations' | 'observations',
  stationId?: string,
): Promise<number> {
  const rows: { n: number }[] =
    stationId === undefined
      ? await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`)
      : await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE station_id = $1`, [
          stationId,
        ]);
  return rows[0].n;
}

let codeCounter = 0;

/** A station code unique within the test process (matches ^[A-Z0-9_-]{3,16}$). */
export function uniqueCode(prefix = 'S'): string {
  codeCounter += 1;
  return `${prefix}_${String(codeCounter).padStart(4, '0')}`.toUpperCase();
}

/** The shared valid station body (test/support/fixtures.ts) with a unique code. */
export function stationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return baseStationBody({ code: uniqueCode(), ...overrides });
}

export interface StationJson {
  id: string;
  code: string;
  name: string;
  latitude: number;
  longitude: number;
  elevationM: number;
  timezone: string;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Creates a station through the API and fails loudly if that does not work. */
export async function createStation(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<StationJson> {
  const res = await v1(t).post('/stations').send(stationBody(overrides));
  if (res.status !== 201) {
    throw new Error(`createStation: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body as StationJson;
}

/** A valid observation body (only the required fields); override any field. */
export function observationBody(
  observedAt: Date | string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    observedAt: typeof observedAt === 'string' ? observedAt : observedAt.toISOString(),
    temperatureC: 10,
    ...overrides,
  };
}

/** Ingests observations through the API and fails loudly if that does not work. */
export async function ingest(
  t: TestApp,
  stationId: string,
  body: Record<string, unknown> | Record<string, unknown>[],
): Promise<void> {
  const res = await v1(t).post(`/stations/${stationId}/observations`).send(body);
  if (res.status !== 201) {
    throw new Error(`ingest: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** `count` instants, `stepMs` apart, starting at `start`. */
export function timeSeries(start: Date, count: number, stepMs: number): Date[] {
  return Array.from({ length: count }, (_, i) => new Date(start.getTime() + i * stepMs));
}

/** Minutes relative to now (negative: in the past), truncated to whole milliseconds. */
export function minutesFromNow(minutes: number): Date {
  return new Date(Date.now() + minutes * 60_000);
}

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

/** The raw response text never names driver classes, SQL or stack frames. */
export function expectNoLeaks(res: Response): void {
  const text = res.text ?? '';
  for (const marker of LEAK_MARKERS) expect(text).not.toContain(marker);
}

/**
 * The same instant written in another UTC offset, e.g. `2026-11-20T14:30:00.000+05:30`:
 * for query parameters and bodies that must prove offsets are honoured.
 */
export function isoWithOffset(instant: Date, offsetMinutes: number): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** base64url of any JSON: forged cursors in the shape the API issues. */
export function forgeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}
