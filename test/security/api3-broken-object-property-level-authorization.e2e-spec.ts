import request from 'supertest';
import { CreatedKey, createKey } from '../support/api-keys';
import { expectPrototypeClean } from '../support/attacks';
import { countWhere, expectUnchangedBy } from '../support/database';
import { expectNoSecretMaterial } from '../support/leaks';
import { uniqueObservation } from '../support/observations';
import {
  OpenApiDocument,
  documentedOperations,
  openApiDocument,
  undocumentedProperties,
} from '../support/openapi';
import { expectValidationProblem } from '../support/problems';
import { SignedInUser, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { OwnedStation, createStation, stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API3:2023 Broken Object Property Level Authorization, both halves:
 * - writing properties the caller may not set (mass assignment): `role`, `ownerId`, `id`,
 *   timestamps, a key's hash or owner, smuggled into an otherwise valid body, or planted on
 *   `Object.prototype` through `__proto__` / `constructor` keys;
 * - reading properties the caller may not see (excessive data exposure): password and key hashes,
 *   the key's secret after creation, anything the OpenAPI contract does not declare.
 *
 * Defences: the strict ValidationPipe (whitelist + forbidNonWhitelisted, reserved keys refused;
 * src/security/validation) on every body and query, DTOs without owner/role/id fields, and
 * responses built field by field (`*.response.ts`).
 */

let t: TestApp;
let operator: SignedInUser;
let otherOperator: SignedInUser;
let viewer: SignedInUser;
let station: OwnedStation;
let key: CreatedKey;
let doc: OpenApiDocument;

beforeAll(async () => {
  t = await startTestApp();
  [operator, otherOperator, viewer] = await Promise.all([
    signedInUser(t, 'operator'),
    signedInUser(t, 'operator'),
    signedInUser(t, 'viewer'),
  ]);
  station = await createStation(t, {}, operator.auth);
  key = await createKey(t, operator.auth, {
    scopes: ['observations:write'],
    resourceId: station.id,
  });
  doc = await openApiDocument(t);
});
afterAll(() => t.close());

describe('API3 mass assignment: fields the caller may not set (e2e)', () => {
  it.each<[string, () => request.Test, string[]]>([
    [
      'register as admin',
      () =>
        request(t.server)
          .post('/v1/auth/register')
          .send({ email: uniqueEmail('eve'), password: newPassword(), role: 'admin' }),
      ['role'],
    ],
    [
      'register as an existing user id, already enabled',
      () =>
        request(t.server)
          .post('/v1/auth/register')
          .send({
            email: uniqueEmail('eve'),
            password: newPassword(),
            id: operator.id,
            disabledAt: null,
          }),
      ['id', 'disabledAt'],
    ],
    [
      'create a station owned by someone else, with a chosen id and creation time',
      () =>
        request(t.server)
          .post('/v1/stations')
          .set(operator.auth)
          .send(
            stationBody({
              ownerId: otherOperator.id,
              id: '11111111-1111-4111-8111-111111111111',
              createdAt: '2000-01-01T00:00:00Z',
            }),
          ),
      ['ownerId', 'id', 'createdAt'],
    ],
    [
      'hand one’s station to another operator',
      () =>
        request(t.server)
          .patch(`/v1/stations/${station.id}`)
          .set(operator.auth)
          .send({ name: 'renamed', ownerId: otherOperator.id }),
      ['ownerId'],
    ],
    [
      'a key for another owner, with a chosen key id, hash and no revocation',
      () =>
        request(t.server)
          .post('/v1/api-keys')
          .set(operator.auth)
          .send({
            name: 'smuggled',
            scopes: ['stations:read'],
            ownerId: otherOperator.id,
            keyId: '0123456789abcdef',
            secretHash: 'AAAA',
            revokedAt: null,
          }),
      ['ownerId', 'keyId', 'secretHash', 'revokedAt'],
    ],
    [
      'a key scope that does not exist ("admin")',
      () =>
        request(t.server)
          .post('/v1/api-keys')
          .set(operator.auth)
          .send({ name: 'root key', scopes: ['admin', 'observations:write'] }),
      ['scopes'],
    ],
    [
      'an observation for another station, with its own id',
      () =>
        request(t.server)
          .post(`/v1/stations/${station.id}/observations`)
          .set(key.auth)
          .send({ ...uniqueObservation(), stationId: otherOperator.id, id: operator.id }),
      ['stationId', 'id'],
    ],
    [
      'a password change that also grants admin',
      () =>
        request(t.server)
          .post('/v1/auth/change-password')
          .set(viewer.auth)
          .send({ currentPassword: viewer.password, newPassword: newPassword(), role: 'admin' }),
      ['role'],
    ],
    [
      'an admin setting a user’s email and password hash directly',
      () =>
        request(t.server)
          .patch(`/v1/users/${viewer.id}`)
          .set(t.auth)
          .send({ role: 'operator', email: 'taken@test.example', passwordHash: '$argon2id$x' }),
      ['email', 'passwordHash'],
    ],
  ])('%s -> 400 naming the smuggled fields; nothing changed', async (_label, send, fields) => {
    const res = await expectUnchangedBy(t, () => send());
    expect(expectValidationProblem(res)).toEqual(expect.arrayContaining(fields));
  });

  it('the caller becomes the owner of what they create, whoever the body names', async () => {
    const res = await request(t.server)
      .post('/v1/api-keys')
      .set(operator.auth)
      .send({ name: 'legit', scopes: ['stations:read'] })
      .expect(201);
    expect(res.body).toMatchObject({ ownerId: operator.id });
    expect(await countWhere(t, 'api_keys', 'owner_id = $1', [otherOperator.id])).toBe(0);
  });
});

describe('API3 prototype pollution (e2e)', () => {
  const payload = { polluted: 'yes', role: 'admin', isAdmin: true };

  it.each<[string, () => request.Test]>([
    [
      '__proto__ in a public body (register)',
      () =>
        request(t.server)
          .post('/v1/auth/register')
          .set('Content-Type', 'application/json')
          .send(
            `{"email":"${uniqueEmail('proto')}","password":"${newPassword()}","__proto__":${JSON.stringify(payload)}}`,
          ),
    ],
    [
      'constructor.prototype in a station body',
      () =>
        request(t.server)
          .post('/v1/stations')
          .set(operator.auth)
          .send({ ...stationBody(), constructor: { prototype: payload } }),
    ],
    [
      '__proto__ nested in the third observation of a batch',
      () =>
        request(t.server)
          .post(`/v1/stations/${station.id}/observations`)
          .set(key.auth)
          .set('Content-Type', 'application/json')
          .send(
            `[${JSON.stringify(uniqueObservation())},${JSON.stringify(uniqueObservation())},` +
              `{"observedAt":"${new Date(Date.now() - 3_600_000).toISOString()}","temperatureC":1,"__proto__":${JSON.stringify(payload)}}]`,
          ),
    ],
    [
      '__proto__ in a login body, with the correct password',
      () =>
        request(t.server)
          .post('/v1/auth/login')
          .set('Content-Type', 'application/json')
          .send(
            `{"email":"${operator.email}","password":"${operator.password}","__proto__":{"role":"admin"}}`,
          ),
    ],
    [
      '__proto__ in a query string',
      () =>
        request(t.server).get('/v1/stations?__proto__[role]=admin&__proto__=x').set(viewer.auth),
    ],
    [
      'constructor in a query string',
      () => request(t.server).get('/v1/stations?constructor=x').set(viewer.auth),
    ],
  ])('%s -> 400; nothing changed; Object.prototype is clean', async (_label, send) => {
    const res = await expectUnchangedBy(t, () => send());
    expect(res.status).toBe(400);
    expect(expectValidationProblem(res).some((field) => /__proto__|constructor/.test(field))).toBe(
      true,
    );
    expectPrototypeClean('polluted', 'role', 'isAdmin');
  });
});

describe('API3 excessive data exposure: responses carry their contract and no more (e2e)', () => {
  /** The documented schema of one operation's response. */
  function responseSchema(method: string, path: string, status: string) {
    const found = documentedOperations(doc).find((op) => op.method === method && op.path === path);
    const schema = found?.operation.responses[status]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`no documented ${status} schema for ${method} ${path}`);
    return schema;
  }

  it('the contract check is not vacuous: an extra property or a hash is caught', async () => {
    const me = await request(t.server).get('/v1/auth/me').set(viewer.auth).expect(200);
    const schema = responseSchema('GET', '/v1/auth/me', '200');
    const leaky = { ...(me.body as object), passwordHash: '$argon2id$...' };
    expect(undocumentedProperties(doc, schema, leaky)).toEqual(['passwordHash']);
    const page = { data: [leaky], page: { limit: 1, offset: 0, total: 1, cost: 0 } };
    expect(undocumentedProperties(doc, responseSchema('GET', '/v1/stations', '200'), page)).toEqual(
      expect.arrayContaining(['data.0.passwordHash', 'page.cost']),
    );
  });

  it.each<[string, string, string, () => request.Test]>([
    [
      'POST',
      '/v1/auth/login',
      '200',
      () =>
        request(t.server)
          .post('/v1/auth/login')
          .send({ email: viewer.email, password: viewer.password }),
    ],
    ['GET', '/v1/auth/me', '200', () => request(t.server).get('/v1/auth/me').set(operator.auth)],
    ['GET', '/v1/users', '200', () => request(t.server).get('/v1/users').set(t.auth)],
    [
      'GET',
      '/v1/users/{id}',
      '200',
      () => request(t.server).get(`/v1/users/${operator.id}`).set(t.auth),
    ],
    [
      'GET',
      '/v1/stations/{id}',
      '200',
      () => request(t.server).get(`/v1/stations/${station.id}`).set(viewer.auth),
    ],
    ['GET', '/v1/stations', '200', () => request(t.server).get('/v1/stations').set(viewer.auth)],
    [
      'POST',
      '/v1/api-keys',
      '201',
      () =>
        request(t.server)
          .post('/v1/api-keys')
          .set(operator.auth)
          .send({ name: 'exposure', scopes: ['stations:read'] }),
    ],
    ['GET', '/v1/api-keys', '200', () => request(t.server).get('/v1/api-keys').set(operator.auth)],
    [
      'GET',
      '/v1/api-keys/{id}',
      '200',
      () => request(t.server).get(`/v1/api-keys/${key.id}`).set(operator.auth),
    ],
    [
      'POST',
      '/v1/api-keys/{id}/rotate',
      '201',
      () => request(t.server).post(`/v1/api-keys/${key.id}/rotate`).set(operator.auth),
    ],
    [
      'GET',
      '/v1/stations/{id}/observations/latest',
      '200',
      () =>
        request(t.server).get(`/v1/stations/${station.id}/observations/latest`).set(viewer.auth),
    ],
    [
      'GET',
      '/v1/audit-logs',
      '200',
      () => request(t.server).get('/v1/audit-logs?limit=50').set(t.auth),
    ],
  ])(
    '%s %s (%s) answers only documented properties and no hash',
    async (method, path, status, send) => {
      if (path.endsWith('/latest')) {
        await request(t.server)
          .post(`/v1/stations/${station.id}/observations`)
          .set(operator.auth)
          .send(uniqueObservation());
      }
      const res = await send();
      expect(res.status).toBe(Number(status));
      expect(undocumentedProperties(doc, responseSchema(method, path, status), res.body)).toEqual(
        [],
      );
      expectNoSecretMaterial(res);
    },
  );

  it('a key’s secret is in its creation response only: never in GET, list or the database', async () => {
    const created = await createKey(t, operator.auth, { scopes: ['stations:read'] });
    const again = await request(t.server).get(`/v1/api-keys/${created.id}`).set(operator.auth);
    const list = await request(t.server).get('/v1/api-keys').set(operator.auth);
    const rows = await request(t.server).get('/v1/audit-logs?limit=500').set(t.auth);
    for (const res of [again, list, rows]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(created.secret);
    }
    expect(again.body).not.toHaveProperty('key');
    const stored = JSON.stringify(
      await t.dataSource.query('SELECT * FROM api_keys WHERE id = $1', [created.id]),
    );
    expect(stored).not.toContain(created.secret);
  });

  it('login with a correct password answers tokens, never the user record or its hash', async () => {
    const res = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: operator.email, password: operator.password });
    expect(Object.keys(res.body as object).sort()).toEqual(
      ['accessToken', 'expiresIn', 'refreshToken', 'tokenType'].sort(),
    );
    expectNoSecretMaterial(res);
    // The session it started works: the check above was on a real success.
    await request(t.server)
      .get('/v1/auth/me')
      .set({ Authorization: `Bearer ${(res.body as { accessToken: string }).accessToken}` })
      .expect(200);
  });
});
