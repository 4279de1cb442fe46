import request from 'supertest';
import { TEST_HTTP_ADAPTER } from '../support/http-adapter';
import { CreatedKey, createKey } from '../support/api-keys';
import { auditRowsEventually } from '../support/audit';
import { expectUnchangedBy, query } from '../support/database';
import { Headers } from '../support/http';
import { accessClaims, signJwt, strongJwtSecret } from '../support/jwt';
import { uniqueObservation } from '../support/observations';
import { expectProblem } from '../support/problems';
import { policyProblems, registeredRoutes } from '../support/routes';
import { SignedInUser, bearerHeader, signedInUser } from '../support/sign-in';
import { OwnedStation, createStation, stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API5:2023 Broken Function Level Authorization: a caller who is who they say they are
 * reaching a function their role or credential kind does not allow: a viewer writing, an
 * operator administering users or reading the audit log, an API key managing keys or acting as
 * a person. Also the ways around the check: a role claim in a token, another HTTP verb, another
 * spelling of the path. Defence: the global AuthorizationGuard (src/security/authorization)
 * reading each route's declared @Credentials / @Roles / @Scopes, failing closed.
 *
 * The complete matrix (every route x every caller) is test/identity/policy-matrix.e2e-spec.ts;
 * here is each privilege boundary attacked once, with the state checked.
 */

const JWT_SECRET = strongJwtSecret();

let t: TestApp;
let viewer: SignedInUser;
let operator: SignedInUser;
let station: OwnedStation;
/** All three scopes, made by the operator: the most a key can be. */
let fullKey: CreatedKey;
let readKey: CreatedKey;

beforeAll(async () => {
  t = await startTestApp({ JWT_SECRET });
  [viewer, operator] = await Promise.all([signedInUser(t, 'viewer'), signedInUser(t, 'operator')]);
  station = await createStation(t, {}, operator.auth);
  fullKey = await createKey(t, operator.auth, {
    scopes: ['stations:read', 'observations:read', 'observations:write'],
  });
  readKey = await createKey(t, operator.auth, { scopes: ['stations:read'] });
});
afterAll(() => t.close());

type Caller = 'viewer' | 'operator' | 'full-scope key' | 'stations:read key';
const credentials = (caller: Caller): Headers =>
  ({
    viewer: viewer.auth,
    operator: operator.auth,
    'full-scope key': fullKey.auth,
    'stations:read key': readKey.auth,
  })[caller];

interface Escalation {
  caller: Caller;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** `:station`, `:viewer`, `:operator`, `:fullKey`, `:readKey` stand for those objects' ids. */
  path: string;
  body?: () => object;
}

const ESCALATIONS: Escalation[] = [
  // A viewer reads; it never writes or administers.
  { caller: 'viewer', method: 'post', path: '/v1/stations', body: () => stationBody() },
  { caller: 'viewer', method: 'patch', path: '/v1/stations/:station', body: () => ({ name: 'x' }) },
  { caller: 'viewer', method: 'delete', path: '/v1/stations/:station' },
  {
    caller: 'viewer',
    method: 'post',
    path: '/v1/stations/:station/observations',
    body: () => uniqueObservation(),
  },
  {
    caller: 'viewer',
    method: 'post',
    path: '/v1/api-keys',
    body: () => ({ name: 'mine', scopes: ['stations:read'] }),
  },
  { caller: 'viewer', method: 'patch', path: '/v1/users/:viewer', body: () => ({ role: 'admin' }) },
  { caller: 'viewer', method: 'get', path: '/v1/users' },
  { caller: 'viewer', method: 'get', path: '/v1/audit-logs' },
  // An operator manages stations and keys; users, audit and usage analytics are the admin's.
  {
    caller: 'operator',
    method: 'patch',
    path: '/v1/users/:operator',
    body: () => ({ role: 'admin' }),
  },
  {
    caller: 'operator',
    method: 'patch',
    path: '/v1/users/:viewer',
    body: () => ({ disabled: true }),
  },
  { caller: 'operator', method: 'get', path: '/v1/users/:viewer' },
  { caller: 'operator', method: 'get', path: '/v1/audit-logs/verify' },
  { caller: 'operator', method: 'get', path: '/v1/usage/top-endpoints' },
  { caller: 'operator', method: 'get', path: '/v1/security/alerts' },
  // A key is an application, never a person: no key management, no account functions.
  { caller: 'full-scope key', method: 'get', path: '/v1/api-keys' },
  {
    caller: 'full-scope key',
    method: 'post',
    path: '/v1/api-keys',
    body: () => ({ name: 'child', scopes: ['observations:write'] }),
  },
  { caller: 'full-scope key', method: 'post', path: '/v1/api-keys/:fullKey/rotate' },
  { caller: 'full-scope key', method: 'delete', path: '/v1/api-keys/:readKey' },
  { caller: 'full-scope key', method: 'get', path: '/v1/auth/me' },
  { caller: 'full-scope key', method: 'get', path: '/v1/security/alerts' },
  { caller: 'full-scope key', method: 'post', path: '/v1/auth/logout' },
  {
    caller: 'full-scope key',
    method: 'post',
    path: '/v1/auth/email',
    body: () => ({ email: 'key-moved@test.example', password: 'not relevant at all' }),
  },
  { caller: 'full-scope key', method: 'post', path: '/v1/stations', body: () => stationBody() },
  { caller: 'full-scope key', method: 'delete', path: '/v1/stations/:station' },
  {
    caller: 'full-scope key',
    method: 'patch',
    path: '/v1/users/:operator',
    body: () => ({ role: 'admin' }),
  },
  // A key does only what its scopes say.
  {
    caller: 'stations:read key',
    method: 'post',
    path: '/v1/stations/:station/observations',
    body: () => uniqueObservation(),
  },
  { caller: 'stations:read key', method: 'get', path: '/v1/stations/:station/observations' },
];

describe('API5 callers reaching functions above their privilege (e2e)', () => {
  const resolve = (path: string): string =>
    path
      .replace(':station', station.id)
      .replace(':viewer', viewer.id)
      .replace(':operator', operator.id)
      .replace(':fullKey', fullKey.id)
      .replace(':readKey', readKey.id);

  it.each(
    ESCALATIONS.map((e) => ({ ...e, name: `${e.caller}: ${e.method.toUpperCase()} ${e.path}` })),
  )('$name -> 403; nothing changed', async ({ caller, method, path, body }) => {
    const res = await expectUnchangedBy(t, () => {
      const req = request(t.server)[method](resolve(path)).set(credentials(caller));
      return body ? req.send(body()) : req;
    });
    expectProblem(res, 403);
  });

  it('a viewer’s correctly signed token claiming role "admin" is still a viewer (role read from the database)', async () => {
    const forged = bearerHeader(
      signJwt(accessClaims(viewer.session, { role: 'admin' }), JWT_SECRET),
    );
    await request(t.server).get('/v1/auth/me').set(forged).expect(200);
    const res = await expectUnchangedBy(t, () =>
      request(t.server).patch(`/v1/users/${viewer.id}`).set(forged).send({ role: 'admin' }),
    );
    expectProblem(res, 403);
    expectProblem(await request(t.server).get('/v1/users').set(forged), 403);
  });

  it('the admin may do what was refused above (the refusals are about privilege)', async () => {
    await request(t.server).get('/v1/users').set(t.auth).expect(200);
    await request(t.server).get('/v1/audit-logs/verify').set(t.auth).expect(200);
    await request(t.server).get('/v1/security/alerts').set(t.auth).expect(200);
    await request(t.server).get(`/v1/users/${viewer.id}`).set(t.auth).expect(200);
  });

  it('every refusal above is in the audit log as access.denied, with who tried and where', async () => {
    const rows = await auditRowsEventually(
      t,
      'access.denied',
      (row) => row.actor_id === viewer.id && row.route === 'PATCH /v1/users/:id',
    );
    expect(rows[0]).toMatchObject({ outcome: 'denied', http_status: 403, actor_type: 'user' });
    const keyRows = await auditRowsEventually(
      t,
      'access.denied',
      (row) => row.actor_id === fullKey.id && row.route === 'GET /v1/api-keys',
    );
    expect(keyRows[0]).toMatchObject({ actor_type: 'api-key', http_status: 403 });
  });
});

describe('API5 other verbs and other spellings of an admin path (e2e)', () => {
  it.each([
    ['HEAD /v1/users', () => request(t.server).head('/v1/users')],
    ['GET /v1/users/ (trailing slash)', () => request(t.server).get('/v1/users/')],
  ])('%s as a viewer -> 403 (the same guarded handler)', async (_label, send) => {
    const res = await expectUnchangedBy(t, () => send().set(viewer.auth));
    expect(res.status).toBe(403);
  });

  // Express matches paths case-insensitively (the same guarded handler: 403); Fastify's router
  // does not (no route: 404). Either way the other spelling never reaches the data.
  const otherCase = TEST_HTTP_ADAPTER === 'express' ? 403 : 404;
  it.each([
    ['GET /V1/USERS', () => request(t.server).get('/V1/USERS')],
    ['GET /v1/Audit-Logs', () => request(t.server).get('/v1/Audit-Logs')],
  ])(`%s as a viewer -> ${otherCase} on this adapter`, async (_label, send) => {
    const res = await expectUnchangedBy(t, () => send().set(viewer.auth));
    expect(res.status).toBe(otherCase);
    expect(res.text).not.toContain(operator.email);
  });

  it.each([
    '//v1/users',
    '/v1//users',
    '/v1/%75sers',
    '/v1/users%2F',
    '/v1/users;admin=true',
    '/v1/stations/../users',
    '/v1/users%00',
  ])('GET %s as a viewer -> no route (404) or refused; never the admin data', async (path) => {
    const res = await expectUnchangedBy(t, () => request(t.server).get(path).set(viewer.auth));
    expect([400, 403, 404]).toContain(res.status);
    expect(res.text).not.toContain(operator.email);
  });

  it('X-HTTP-Method-Override / _method do not turn a request into a DELETE', async () => {
    const override = await expectUnchangedBy(t, () =>
      request(t.server)
        .post(`/v1/stations/${station.id}`)
        .set(viewer.auth)
        .set('X-HTTP-Method-Override', 'DELETE')
        .set('X-HTTP-Method', 'DELETE')
        .set('X-Method-Override', 'DELETE'),
    );
    expectProblem(override, 404);
    const param = await expectUnchangedBy(t, () =>
      request(t.server).get(`/v1/stations/${station.id}?_method=DELETE`).set(viewer.auth),
    );
    expect(param.status).toBe(200);
    const [row] = await query(t, 'SELECT count(*)::int AS n FROM stations WHERE id = $1', [
      station.id,
    ]);
    expect(row.n).toBe(1);
  });
});

describe('API5 the policy fails closed (e2e)', () => {
  it('every route declares who may call it, and only the few known ones are public', () => {
    const routes = registeredRoutes(t.app);
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.flatMap(policyProblems)).toEqual([]);
    expect(routes.filter((r) => r.policy.isPublic).map((r) => r.name)).toEqual([
      'GET /.well-known/jwks.json', // public keys only (test/identity/signing-keys)
      'GET /health/live',
      'GET /health/ready',
      'POST /v1/auth/login',
      'POST /v1/auth/login/mfa',
      'POST /v1/auth/password-reset/confirm', // the mailed link's token is the credential
      'POST /v1/auth/password-reset/request', // the same answer for every address
      'POST /v1/auth/refresh',
      'POST /v1/auth/register',
      'POST /v1/auth/verify-email', // the mailed link's token is the credential
      'POST /v1/auth/verify-email/resend', // the same answer for every address
    ]);
  });
});

describe('API5 sensitive functions demand a recent second factor (e2e)', () => {
  it('exactly the sensitive routes carry @RequiresMfa, and each is for people only', () => {
    const routes = registeredRoutes(t.app);
    // Keys, roles and disabling, ending someone's sessions, the audit log and the security
    // alerts (test/identity/mfa).
    expect(
      routes
        .filter((r) => r.policy.requiresMfa)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      [
        'DELETE /v1/api-keys/:id',
        'GET /v1/audit-logs',
        'GET /v1/audit-logs/verify',
        'GET /v1/security/alerts',
        'PATCH /v1/users/:id',
        'POST /v1/api-keys',
        'POST /v1/api-keys/:id/rotate',
        'POST /v1/users/:id/sessions/revoke',
      ].sort(),
    );
    for (const route of routes.filter((r) => r.policy.requiresMfa)) {
      expect({ route: route.name, credentials: route.policy.credentials }).toEqual({
        route: route.name,
        credentials: ['user'],
      });
    }
  });
});
