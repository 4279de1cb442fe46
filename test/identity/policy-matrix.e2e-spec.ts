import { randomUUID } from 'node:crypto';
import { CreatedKey, createKey } from '../support/api-keys';
import { query, snapshot } from '../support/database';
import { Headers, Method, call, expectStatus } from '../support/http';
import { uniqueObservation } from '../support/observations';
import { expectUnauthenticated } from '../support/problems';
import { registeredRoutes } from '../support/routes';
import {
  SignedInUser,
  TestUser,
  createUser,
  login,
  me,
  newPassword,
  signedInUser,
  uniqueEmail,
} from '../support/sign-in';
import { OwnedStation, createStation, stationBody } from '../support/stations';
import { TEST_ADMIN, TestApp, startTestApp } from '../support/test-app';
import type { WeatherScope as ApiKeyScope } from '../../src/weather/weather-scopes';

/**
 * Function-level authorization (API5:2023) as a table: every endpoint x every kind of caller ->
 * the status the policy promises. A denied call must also leave the database as it was.
 * Object-level authorization (API1:2023) and mass assignment (API3:2023) follow the matrix.
 */

const CALLERS = [
  'anonymous',
  'viewer',
  'operator (owner)',
  'operator (not owner)',
  'admin',
  'key stations:read',
  'key observations:read',
  'key observations:write',
  'key without the needed scope',
  'key bound to another station',
] as const;
type Caller = (typeof CALLERS)[number];

interface Route {
  method: Method;
  /** The route as registered, for the test name. */
  route: string;
  /** The scope an API key needs here; the "without the needed scope" key has every other one. */
  needs?: ApiKeyScope;
  /**
   * People get a new session (logout ends it) or are a new user of their role (change-password
   * ends every session of the user), so the shared callers stay signed in.
   */
  fresh?: 'session' | 'user';
  /** The concrete path; may create the object the call acts on (a station or key to delete). */
  path: () => string | Promise<string>;
  body?: (caller: { password: string }) => object;
  /** Expected status per caller, in CALLERS order. */
  expect: readonly [number, number, number, number, number, number, number, number, number, number];
}

let t: TestApp;
let viewer: SignedInUser;
let owner: SignedInUser; // operator A, owns `station` and the keys below
let other: SignedInUser; // operator B
let target: TestUser; // the user the /v1/users/:id routes read and change
let station: OwnedStation;
let otherStation: OwnedStation; // also A's
let keyOfOwner: CreatedKey; // the key /v1/api-keys/:id reads
const keys = {} as Record<
  'stations:read' | 'observations:read' | 'observations:write' | 'bound',
  CreatedKey
>;
const keysWithout = {} as Record<ApiKeyScope, CreatedKey>;
const ALL_SCOPES: ApiKeyScope[] = ['stations:read', 'observations:read', 'observations:write'];

const today = new Date().toISOString().slice(0, 10);
const stationPath = () => `/v1/stations/${station.id}`;

// prettier-ignore
const ROUTES: Route[] = [
  //                                                                  anon view own  oth  adm  k:sr k:or k:ow miss bound
  { method: 'GET', route: '/v1/stations', needs: 'stations:read', path: () => '/v1/stations',
    expect: [401, 200, 200, 200, 200, 200, 403, 403, 403, 200] },
  { method: 'GET', route: '/v1/stations/:id', needs: 'stations:read', path: stationPath,
    expect: [401, 200, 200, 200, 200, 200, 403, 403, 403, 200] },
  { method: 'POST', route: '/v1/stations', path: () => '/v1/stations', body: () => stationBody(),
    expect: [401, 403, 201, 201, 201, 403, 403, 403, 403, 403] },
  { method: 'PATCH', route: '/v1/stations/:id', path: stationPath, body: () => ({ name: `Renamed ${Date.now()}` }),
    expect: [401, 403, 200, 404, 200, 403, 403, 403, 403, 403] },
  { method: 'DELETE', route: '/v1/stations/:id', path: async () => `/v1/stations/${(await createStation(t, {}, owner.auth)).id}`,
    expect: [401, 403, 204, 404, 204, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/stations/:id/observations', needs: 'observations:write',
    path: () => `${stationPath()}/observations`, body: () => uniqueObservation(),
    expect: [401, 403, 201, 404, 201, 403, 403, 201, 403, 404] },
  { method: 'GET', route: '/v1/stations/:id/observations', needs: 'observations:read',
    path: () => `${stationPath()}/observations`,
    expect: [401, 200, 200, 200, 200, 403, 200, 403, 403, 200] },
  { method: 'GET', route: '/v1/stations/:id/observations/latest', needs: 'observations:read',
    path: () => `${stationPath()}/observations/latest`,
    expect: [401, 200, 200, 200, 200, 403, 200, 403, 403, 200] },
  { method: 'GET', route: '/v1/stations/:id/daily', needs: 'observations:read',
    path: () => `${stationPath()}/daily?from=${today}&to=${today}`,
    expect: [401, 200, 200, 200, 200, 403, 200, 403, 403, 200] },
  { method: 'POST', route: '/v1/api-keys', path: () => '/v1/api-keys',
    body: () => ({ name: 'matrix', scopes: ['stations:read'] }),
    expect: [401, 403, 201, 201, 201, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/api-keys', path: () => '/v1/api-keys',
    expect: [401, 403, 200, 200, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/api-keys/:id', path: () => `/v1/api-keys/${keyOfOwner.id}`,
    expect: [401, 403, 200, 404, 200, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/api-keys/:id/rotate',
    path: async () => `/v1/api-keys/${(await createKey(t, owner.auth, { scopes: ['stations:read'] })).id}/rotate`,
    expect: [401, 403, 201, 404, 201, 403, 403, 403, 403, 403] },
  { method: 'DELETE', route: '/v1/api-keys/:id',
    path: async () => `/v1/api-keys/${(await createKey(t, owner.auth, { scopes: ['stations:read'] })).id}`,
    expect: [401, 403, 204, 404, 204, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/api-keys/:id/usage', path: () => `/v1/api-keys/${keyOfOwner.id}/usage`,
    expect: [401, 403, 200, 404, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/usage/top-endpoints', path: () => '/v1/usage/top-endpoints',
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/audit-logs', path: () => '/v1/audit-logs',
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/audit-logs/verify', path: () => '/v1/audit-logs/verify',
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/security/alerts', path: () => '/v1/security/alerts',
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/users', path: () => '/v1/users',
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/users/:id', path: () => `/v1/users/${target.id}`,
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'PATCH', route: '/v1/users/:id', path: () => `/v1/users/${target.id}`, body: () => ({ role: 'viewer' }),
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'GET', route: '/v1/auth/me', path: () => '/v1/auth/me',
    expect: [401, 200, 200, 200, 200, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/auth/logout', fresh: 'session', path: () => '/v1/auth/logout',
    expect: [401, 204, 204, 204, 204, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/auth/change-password', fresh: 'user', path: () => '/v1/auth/change-password',
    body: ({ password }) => ({ currentPassword: password, newPassword: newPassword() }),
    expect: [401, 204, 204, 204, 204, 403, 403, 403, 403, 403] },
  // MFA: people only. Without an enrolment there is nothing to confirm, remove or step up with (409).
  { method: 'POST', route: '/v1/auth/mfa/totp', fresh: 'user', path: () => '/v1/auth/mfa/totp',
    body: ({ password }) => ({ password }),
    expect: [401, 201, 201, 201, 201, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/auth/mfa/totp/confirm', path: () => '/v1/auth/mfa/totp/confirm',
    body: () => ({ code: '000000' }),
    expect: [401, 409, 409, 409, 409, 403, 403, 403, 403, 403] },
  { method: 'DELETE', route: '/v1/auth/mfa/totp', path: () => '/v1/auth/mfa/totp',
    body: () => ({ code: '000000' }),
    expect: [401, 409, 409, 409, 409, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/auth/mfa/step-up', path: () => '/v1/auth/mfa/step-up',
    body: () => ({ code: '000000' }),
    expect: [401, 409, 409, 409, 409, 403, 403, 403, 403, 403] },
  // Sessions: one's own only; a session id that is not yours is 404 like a missing one.
  { method: 'GET', route: '/v1/auth/sessions', path: () => '/v1/auth/sessions',
    expect: [401, 200, 200, 200, 200, 403, 403, 403, 403, 403] },
  { method: 'DELETE', route: '/v1/auth/sessions/:id', path: () => `/v1/auth/sessions/${randomUUID()}`,
    expect: [401, 404, 404, 404, 404, 403, 403, 403, 403, 403] },
  // Keeps the caller's current session: the shared callers stay signed in.
  { method: 'POST', route: '/v1/auth/sessions/revoke-others', path: () => '/v1/auth/sessions/revoke-others',
    expect: [401, 200, 200, 200, 200, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/users/:id/sessions/revoke', path: () => `/v1/users/${target.id}/sessions/revoke`,
    expect: [401, 403, 403, 403, 200, 403, 403, 403, 403, 403] },
  { method: 'POST', route: '/v1/auth/email', fresh: 'user', path: () => '/v1/auth/email',
    body: ({ password }) => ({ email: uniqueEmail('moved'), password }),
    expect: [401, 200, 200, 200, 200, 403, 403, 403, 403, 403] },
];

const PEOPLE: Partial<Record<Caller, () => SignedInUser>> = {
  viewer: () => viewer,
  'operator (owner)': () => owner,
  'operator (not owner)': () => other,
};
const ROLE_OF = {
  viewer: 'viewer',
  'operator (owner)': 'operator',
  'operator (not owner)': 'operator',
  admin: 'admin',
} as const;

/** The credentials a caller sends for this route, and its password (for change-password). */
async function credentials(
  caller: Caller,
  route: Route,
): Promise<{ headers: Headers; password: string }> {
  const unused = { password: newPassword() };
  switch (caller) {
    case 'anonymous':
      return { headers: {}, ...unused };
    case 'key stations:read':
    case 'key observations:read':
    case 'key observations:write':
      return { headers: keys[caller.slice(4) as ApiKeyScope].auth, ...unused };
    case 'key without the needed scope':
      return { headers: keysWithout[route.needs ?? 'stations:read'].auth, ...unused };
    case 'key bound to another station':
      return { headers: keys.bound.auth, ...unused };
    default: {
      if (route.fresh === 'user') {
        const fresh = await signedInUser(t, ROLE_OF[caller]);
        return { headers: fresh.auth, password: fresh.password };
      }
      const person = caller === 'admin' ? { ...TEST_ADMIN, auth: t.auth } : PEOPLE[caller]!();
      const headers = route.fresh === 'session' ? (await login(t, person)).auth : person.auth;
      return { headers, password: person.password };
    }
  }
}

beforeAll(async () => {
  t = await startTestApp();
  [viewer, owner, other, target] = await Promise.all([
    signedInUser(t, 'viewer'),
    signedInUser(t, 'operator'),
    signedInUser(t, 'operator'),
    createUser(t, 'viewer'),
  ]);
  station = await createStation(t, {}, owner.auth);
  otherStation = await createStation(t, {}, owner.auth);
  expectStatus(
    await call(
      t,
      'POST',
      `/v1/stations/${station.id}/observations`,
      owner.auth,
      uniqueObservation(),
    ),
    201,
  );
  keyOfOwner = await createKey(t, owner.auth, { scopes: ['stations:read'] });
  for (const scope of ALL_SCOPES) {
    keys[scope] = await createKey(t, owner.auth, { scopes: [scope] });
    keysWithout[scope] = await createKey(t, owner.auth, {
      scopes: ALL_SCOPES.filter((s) => s !== scope),
    });
  }
  keys.bound = await createKey(t, owner.auth, { scopes: ALL_SCOPES, resourceId: otherStation.id });
});
afterAll(() => t.close());

const CELLS = ROUTES.flatMap((route) =>
  CALLERS.map((caller, i) => ({
    name: `${route.method} ${route.route} as ${caller} -> ${route.expect[i]}`,
    route,
    caller,
    status: route.expect[i],
  })),
);

describe('policy matrix: endpoint x caller -> status (e2e)', () => {
  it('has a row for every non-public route the app registers, and a status for every caller', () => {
    const registered = registeredRoutes(t.app)
      .filter((r) => !r.policy.isPublic)
      .map((r) => r.name);
    expect(ROUTES.map((r) => `${r.method} ${r.route}`).sort()).toEqual([...registered].sort());
    expect(CELLS).toHaveLength(ROUTES.length * CALLERS.length);
  });

  it.each(CELLS)('$name', async ({ route, caller, status }) => {
    const { headers, password } = await credentials(caller, route);
    const path = await route.path();
    const body = route.body?.({ password });
    const before = status >= 400 ? await snapshot(t) : undefined;

    const res = await call(t, route.method, path, headers, body);

    expectStatus(res, status);
    if (status === 401) expectUnauthenticated(res);
    if (before) expect(await snapshot(t)).toEqual(before);
  });
});

describe('ownership: operator B and operator A’s objects (e2e)', () => {
  it('B may read A’s station (reads are shared) but PATCH and DELETE answer 404 like a missing id; the row is unchanged', async () => {
    const mine = await createStation(t, {}, owner.auth);
    const [rowBefore] = await query(t, 'SELECT * FROM stations WHERE id = $1', [mine.id]);
    const before = await snapshot(t);

    expectStatus(await call(t, 'GET', `/v1/stations/${mine.id}`, other.auth), 200);
    const patch = await call(t, 'PATCH', `/v1/stations/${mine.id}`, other.auth, {
      name: 'Taken over',
    });
    const del = await call(t, 'DELETE', `/v1/stations/${mine.id}`, other.auth);
    const missing = await call(
      t,
      'DELETE',
      '/v1/stations/3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11',
      other.auth,
    );
    for (const res of [patch, del]) {
      expectStatus(res, 404);
      expect((res.body as { detail: string }).detail).toBe(
        (missing.body as { detail: string }).detail,
      );
    }
    expectStatus(
      await call(
        t,
        'POST',
        `/v1/stations/${mine.id}/observations`,
        other.auth,
        uniqueObservation(),
      ),
      404,
    );

    expect(await snapshot(t)).toEqual(before);
    expect((await query(t, 'SELECT * FROM stations WHERE id = $1', [mine.id]))[0]).toEqual(
      rowBefore,
    );
  });

  it('B’s key cannot write to A’s station either (404, nothing written)', async () => {
    const keyOfB = await createKey(t, other.auth, { scopes: ['observations:write'] });
    const before = await snapshot(t);
    expectStatus(
      await call(
        t,
        'POST',
        `/v1/stations/${station.id}/observations`,
        keyOfB.auth,
        uniqueObservation(),
      ),
      404,
    );
    expect(await snapshot(t)).toEqual(before);
  });

  it('stations record who created them, whatever the body says', async () => {
    const created = await createStation(t, {}, other.auth);
    expect(created.ownerId).toBe(other.id);
    expect((await me(t, other.auth)).body).toMatchObject({ id: other.id });
  });
});

describe('mass assignment on stations (e2e)', () => {
  it.each([
    ['ownerId', () => ({ ownerId: other.id })],
    ['id', () => ({ id: '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11' })],
    ['createdAt', () => ({ createdAt: '2000-01-01T00:00:00Z' })],
    ['updatedAt', () => ({ updatedAt: '2000-01-01T00:00:00Z' })],
  ])('%s in a create body -> 400, no station', async (field, extra) => {
    const before = await snapshot(t);
    const res = await call(t, 'POST', '/v1/stations', owner.auth, stationBody(extra()));
    expectStatus(res, 400);
    expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
      field,
    );
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([
    ['ownerId', () => ({ ownerId: other.id })],
    ['id', () => ({ id: '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11' })],
    ['createdAt', () => ({ createdAt: '2000-01-01T00:00:00Z' })],
    ['ownerId next to a valid change', () => ({ name: 'Valid rename', ownerId: other.id })],
  ])('%s in a PATCH body of one’s own station -> 400, row unchanged', async (_name, extra) => {
    const before = await snapshot(t);
    const res = await call(t, 'PATCH', stationPath(), owner.auth, extra());
    expectStatus(res, 400);
    expect(await snapshot(t)).toEqual(before);
  });

  it('an admin cannot hand a station to someone else through the body either', async () => {
    const before = await snapshot(t);
    expectStatus(await call(t, 'PATCH', stationPath(), t.auth, { ownerId: other.id }), 400);
    expect(await snapshot(t)).toEqual(before);
  });
});
