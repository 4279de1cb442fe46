import request from 'supertest';
import type { Response } from 'supertest';
import { CreatedKey, apiKeyHeader, createKey } from '../support/api-keys';
import { Headers } from '../support/http';
import { uniqueObservation } from '../support/observations';
import { SignedInUser, signedInUser } from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Usage analytics from real traffic: a known number of requests per key and route, errors
 * included, then the reports. Counters are kept in memory and flushed before a report answers,
 * so the numbers are exact right away (no waiting for the 5-second flush).
 */
interface UsageRow {
  hour: string;
  route: string;
  requests: number;
  errors: number;
}
interface KeyUsage {
  apiKeyId: string;
  requests: number;
  errors: number;
  data: UsageRow[];
}
interface TopUsage {
  from: string;
  to: string;
  endpoints: Array<{ route: string; requests: number; errors: number }>;
  callers: Array<{ identityType: string; identityId: string; requests: number; errors: number }>;
}

const UNKNOWN_ID = '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11';

let t: TestApp;
let owner: SignedInUser;
let otherOperator: SignedInUser;
let keyA: CreatedKey;
let keyB: CreatedKey;
let stationId: string;

/** Per route: [requests, errors], as the test sent them. */
type Tally = Record<string, [number, number]>;
const sentByA: Tally = {};
const sentByB: Tally = {};

async function send(tally: Tally, route: string, req: PromiseLike<Response>): Promise<Response> {
  const res = await req;
  const [requests, errors] = tally[route] ?? [0, 0];
  tally[route] = [requests + 1, errors + (res.status >= 400 ? 1 : 0)];
  return res;
}

beforeAll(async () => {
  t = await startTestApp();
  owner = await signedInUser(t, 'operator', { fromAnyIp: true });
  otherOperator = await signedInUser(t, 'operator', { fromAnyIp: true });
  const station = await request(t.server).post('/v1/stations').set(owner.auth).send(stationBody());
  stationId = station.body.id as string;
  keyA = await createKey(t, owner.auth, { scopes: ['stations:read', 'observations:write'] });
  keyB = await createKey(t, owner.auth, { scopes: ['stations:read'] });

  const a = (path: string) => request(t.server).get(path).set(keyA.auth);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    statuses.push((await send(sentByA, 'GET /v1/stations', a('/v1/stations'))).status);
  }
  for (const id of [stationId, stationId, UNKNOWN_ID]) {
    statuses.push((await send(sentByA, 'GET /v1/stations/:id', a(`/v1/stations/${id}`))).status);
  }
  const ingest = (body: object) =>
    send(
      sentByA,
      'POST /v1/stations/:id/observations',
      request(t.server).post(`/v1/stations/${stationId}/observations`).set(keyA.auth).send(body),
    );
  statuses.push((await ingest([uniqueObservation(), uniqueObservation()])).status);
  statuses.push((await ingest(uniqueObservation())).status);
  statuses.push((await ingest({ temperatureC: 'hot' })).status);
  // Keys may not create stations: refused after authentication, so it is the key's error.
  statuses.push(
    (
      await send(
        sentByA,
        'POST /v1/stations',
        request(t.server).post('/v1/stations').set(keyA.auth).send(stationBody()),
      )
    ).status,
  );
  // Nor read usage, not even its own: an error of the key too.
  statuses.push(
    (
      await send(
        sentByA,
        'GET /v1/api-keys/:id/usage',
        request(t.server).get(`/v1/api-keys/${keyA.id}/usage`).set(keyA.auth),
      )
    ).status,
  );
  for (let i = 0; i < 4; i += 1) {
    const res = await send(
      sentByB,
      'GET /v1/stations',
      request(t.server).get('/v1/stations').set(keyB.auth),
    );
    statuses.push(res.status);
  }
  // Refused before any identity is known: counted for no key.
  const forged = `wxk_${keyA.keyId}_${'x'.repeat(43)}`;
  statuses.push((await request(t.server).get('/v1/stations').set(apiKeyHeader(forged))).status);

  expect(statuses).toEqual([
    ...[200, 200, 200, 200, 200],
    ...[200, 200, 404],
    ...[201, 201, 400],
    403,
    403,
    ...[200, 200, 200, 200],
    401,
  ]);
});
afterAll(() => t.close());

const keyUsage = (id: string, headers: Headers = owner.auth, params: Record<string, string> = {}) =>
  request(t.server).get(`/v1/api-keys/${id}/usage`).query(params).set(headers);

/** Route -> [requests, errors], summed over hours (a run may straddle an hour boundary). */
function byRoute(data: UsageRow[]): Tally {
  const tally: Tally = {};
  for (const row of data) {
    const [requests, errors] = tally[row.route] ?? [0, 0];
    tally[row.route] = [requests + row.requests, errors + row.errors];
  }
  return tally;
}

const totals = (tally: Tally) =>
  Object.values(tally).reduce(([r, e], [requests, errors]) => [r + requests, e + errors], [0, 0]);

describe('GET /v1/api-keys/:id/usage (e2e)', () => {
  it('the owner sees exactly the requests and errors each key made, per route', async () => {
    for (const [key, sent] of [
      [keyA, sentByA],
      [keyB, sentByB],
    ] as Array<[CreatedKey, Tally]>) {
      const res = await keyUsage(key.id);
      expect(res.status).toBe(200);
      const body = res.body as KeyUsage;
      const [requests, errors] = totals(sent);
      expect({ apiKeyId: body.apiKeyId, requests: body.requests, errors: body.errors }).toEqual({
        apiKeyId: key.id,
        requests,
        errors,
      });
      expect(byRoute(body.data)).toEqual(sent);
    }
    expect(totals(sentByA)).toEqual([13, 4]);
    expect(totals(sentByB)).toEqual([4, 0]);
  });

  it('an admin sees the same; another operator gets 404; viewers cannot ask', async () => {
    const asOwner = (await keyUsage(keyA.id)).body as KeyUsage;
    const asAdmin = await keyUsage(keyA.id, t.auth);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual(asOwner);

    expect((await keyUsage(keyA.id, otherOperator.auth)).status).toBe(404);
    expect((await keyUsage(UNKNOWN_ID)).status).toBe(404);
    const viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
    expect((await keyUsage(keyA.id, viewer.auth)).status).toBe(403);
    // People asking about a key are not the key's traffic.
    expect(((await keyUsage(keyA.id)).body as KeyUsage).requests).toBe(totals(sentByA)[0]);
  });

  it('a range before the traffic is empty; an inverted range is refused', async () => {
    const to = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const from = new Date(Date.now() - 26 * 3_600_000).toISOString();
    const res = await keyUsage(keyA.id, owner.auth, { from, to });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ apiKeyId: keyA.id, requests: 0, errors: 0, data: [] });
    expect((await keyUsage(keyA.id, owner.auth, { from: to, to: from })).status).toBe(400);
  });
});

describe('GET /v1/usage/top-endpoints (e2e)', () => {
  it('admin: each key appears as a caller with its exact totals; key routes add up', async () => {
    const res = await request(t.server)
      .get('/v1/usage/top-endpoints')
      .query({ limit: 100 })
      .set(t.auth);
    expect(res.status).toBe(200);
    const body = res.body as TopUsage;

    for (const [key, sent] of [
      [keyA, sentByA],
      [keyB, sentByB],
    ] as Array<[CreatedKey, Tally]>) {
      const [requests, errors] = totals(sent);
      expect(body.callers).toContainEqual({
        identityType: 'api-key',
        identityId: key.id,
        requests,
        errors,
      });
    }
    // Only the keys (and the one forged-key request) ever listed or read single stations.
    const endpoint = (route: string) => body.endpoints.find((e) => e.route === route);
    expect(endpoint('GET /v1/stations')).toEqual({
      route: 'GET /v1/stations',
      requests: 5 + 4 + 1,
      errors: 1,
    });
    expect(endpoint('GET /v1/stations/:id')).toEqual({
      route: 'GET /v1/stations/:id',
      requests: 3,
      errors: 1,
    });
    // Sorted by requests, busiest first.
    const counts = body.endpoints.map((e) => e.requests);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
    // The forged key's request is anonymous.
    expect(body.callers).toContainEqual(
      expect.objectContaining({ identityType: 'anonymous', identityId: '-' }),
    );
  });

  it('is for admins only: operator 403, API key 403', async () => {
    const path = '/v1/usage/top-endpoints';
    expect((await request(t.server).get(path).set(owner.auth)).status).toBe(403);
    expect((await request(t.server).get(path).set(keyA.auth)).status).toBe(403);
    expect((await request(t.server).get(path)).status).toBe(401);
  });
});
