import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { API_KEY_FORMAT, CreatedKey, apiKeyHeader, createKey, postKey } from '../support/api-keys';
import { sendTogether } from '../support/concurrent-requests';
import { countWhere, query, snapshot } from '../support/database';
import { call, expectStatus } from '../support/http';
import { expectNoSecretMaterial } from '../support/leaks';
import { uniqueObservation } from '../support/observations';
import { expectProblem, expectUnauthenticated } from '../support/problems';
import {
  SignedInUser,
  adminPatchUser,
  bearerHeader,
  newPassword,
  signedInUser,
} from '../support/sign-in';
import { OwnedStation, createStation } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * API keys (X-API-Key only): shown once, stored as a hash, scoped, optionally bound to a station,
 * revocable, expiring, rotatable with a grace period, and never a way into people's routes.
 */

const GRACE_SECONDS = 600;
const DAY_MS = 86_400_000;

let t: TestApp;
let a: SignedInUser; // operator A
let b: SignedInUser; // operator B
let stationA: OwnedStation;
let stationA2: OwnedStation;
let stationB: OwnedStation;

beforeAll(async () => {
  t = await startTestApp({ API_KEY_ROTATION_GRACE_SECONDS: String(GRACE_SECONDS) });
  [a, b] = await Promise.all([signedInUser(t, 'operator'), signedInUser(t, 'operator')]);
  stationA = await createStation(t, {}, a.auth);
  stationA2 = await createStation(t, {}, a.auth);
  stationB = await createStation(t, {}, b.auth);
});
afterAll(() => t.close());

const stations = (headers: Record<string, string>) =>
  request(t.server).get('/v1/stations').set(headers);
const keyRow = async (id: string) =>
  (await query(t, 'SELECT * FROM api_keys WHERE id = $1', [id]))[0];
/** The stored api_keys table as text, exactly as `SELECT *` shows it. */
const apiKeysTableText = async () =>
  (await query<{ row: string }>(t, 'SELECT k::text AS row FROM api_keys k'))
    .map((r) => r.row)
    .join('\n');

describe('issuing a key (e2e)', () => {
  it('returns the full key once; GET and list never return it again; the database holds only a hash', async () => {
    const res = await postKey(t, a.auth, { name: 'logger', scopes: ['stations:read'] });
    expectStatus(res, 201);
    expectNoSecretMaterial(res);
    const created = res.body as { id: string; key: string; keyId: string; ownerId: string };
    const match = API_KEY_FORMAT.exec(created.key);
    expect(match).not.toBeNull();
    const [, keyId, secret] = match!;
    expect(created).toMatchObject({
      keyId,
      ownerId: a.id,
      scopes: ['stations:read'],
      lastUsedAt: null,
    });

    const one = await request(t.server).get(`/v1/api-keys/${created.id}`).set(a.auth);
    const list = await request(t.server).get('/v1/api-keys').set(a.auth);
    for (const later of [one, list]) {
      expectStatus(later, 200);
      expectNoSecretMaterial(later);
      expect(later.text).not.toContain(secret);
    }
    expect(one.body).not.toHaveProperty('key');
    expect(one.body).toMatchObject({ id: created.id, keyId });

    const table = await apiKeysTableText();
    expect(table).toContain(keyId);
    expect(table).not.toContain(secret);
    expect(table).not.toContain(Buffer.from(secret).toString('hex'));
    const row = await keyRow(created.id);
    expect(row.secret_hash).toEqual(createHash('sha256').update(secret).digest());
  });

  it('the key works in the X-API-Key header', async () => {
    const key = await createKey(t, a.auth, { scopes: ['stations:read'] });
    expectStatus(await stations(key.auth), 200);
  });

  it.each([
    [
      'an expiresAt in the past',
      () => ({ expiresAt: new Date(Date.now() - 60_000).toISOString() }),
    ],
    ['an expiresAt right now', () => ({ expiresAt: new Date().toISOString() })],
    [
      'an expiresAt more than a year ahead',
      () => ({ expiresAt: new Date(Date.now() + 367 * DAY_MS).toISOString() }),
    ],
    ['an expiresAt that is not a date', () => ({ expiresAt: 'tomorrow' })],
    ['an unknown scope', () => ({ scopes: ['admin'] })],
    ['no scopes', () => ({ scopes: [] })],
    ['an ownerId (keys are always the caller’s)', () => ({ ownerId: b.id })],
    ['an id', () => ({ id: '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11' })],
    ['a secretHash', () => ({ secretHash: 'AAAA' })],
  ])('%s -> 400 and no key row', async (_name, extra) => {
    const before = await snapshot(t);
    const res = await postKey(t, a.auth, { name: 'bad', scopes: ['stations:read'], ...extra() });
    expectStatus(res, 400);
    expect(await snapshot(t)).toEqual(before);
  });

  it('an expiresAt within the year is accepted', async () => {
    const expiresAt = new Date(Date.now() + 364 * DAY_MS).toISOString();
    const res = await postKey(t, a.auth, { name: 'ok', scopes: ['stations:read'], expiresAt });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({ expiresAt });
  });

  it.each([
    ['another operator’s station', () => stationB.id],
    ['a station that does not exist', () => '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11'],
  ])('binding to %s -> 404 and no key row', async (_name, stationId) => {
    const before = await snapshot(t);
    const res = await postKey(t, a.auth, {
      name: 'x',
      scopes: ['observations:write'],
      resourceId: stationId(),
    });
    expectStatus(res, 404);
    expect(await snapshot(t)).toEqual(before);
  });

  it('binding to one’s own station works; an admin may bind to anyone’s', async () => {
    expectStatus(
      await postKey(t, a.auth, {
        name: 'own',
        scopes: ['observations:write'],
        resourceId: stationA.id,
      }),
      201,
    );
    expectStatus(
      await postKey(t, t.auth, {
        name: 'adm',
        scopes: ['observations:write'],
        resourceId: stationB.id,
      }),
      201,
    );
  });
});

describe('keys that must not authenticate (e2e)', () => {
  let key: CreatedKey;
  beforeAll(async () => {
    key = await createKey(t, a.auth, {
      scopes: ['stations:read', 'observations:read', 'observations:write'],
    });
  });

  /** The attack -> the one generic 401 on a read and on a write; nothing changed (not even lastUsedAt). */
  async function expectKeyRejected(send: (path: string) => request.Test): Promise<void> {
    const before = await snapshot(t);
    const lastUsedBefore = (await keyRow(key.id)).last_used_at;
    expectUnauthenticated(await send('/v1/stations'));
    expectUnauthenticated(
      await send(`/v1/stations/${stationA.id}/observations`).send(uniqueObservation()),
    );
    expect(await snapshot(t)).toEqual(before);
    expect((await keyRow(key.id)).last_used_at).toEqual(lastUsedBefore);
  }

  const get = (path: string) => request(t.server).get(path);
  const post = (path: string) => request(t.server).post(path);

  it.each([
    ['?api_key=', 'api_key'],
    ['?apiKey=', 'apiKey'],
    ['?key=', 'key'],
    ['?x-api-key=', 'x-api-key'],
  ])('the key in the query string (%s) -> 401', async (_name, param) => {
    await expectKeyRejected((path) =>
      (path.endsWith('observations') ? post(path) : get(path)).query({ [param]: key.key }),
    );
  });

  it.each([
    ['as a Bearer token', () => bearerHeader(key.key)],
    ['as Authorization: ApiKey', () => ({ Authorization: `ApiKey ${key.key}` })],
    [
      'with a wrong secret for a real key id',
      () => apiKeyHeader(`wxk_${key.keyId}_${randomBytes(32).toString('base64url')}`),
    ],
    ['with the secret one character short', () => apiKeyHeader(key.key.slice(0, -1))],
    ['with a character appended', () => apiKeyHeader(`${key.key}A`)],
    [
      'with the key id in upper case',
      () => apiKeyHeader(key.key.replace(key.keyId, key.keyId.toUpperCase())),
    ],
    ['without the wxk_ prefix', () => apiKeyHeader(key.key.slice(4))],
    ['as an empty header', () => apiKeyHeader('')],
    ['as garbage', () => apiKeyHeader("' OR 1=1 --")],
    // Together with a valid Bearer token: a 401 that says why (test/security/api2).
  ])('the key %s -> 401', async (_name, headers) => {
    await expectKeyRejected((path) =>
      (path.endsWith('observations') ? post(path) : get(path)).set(headers()),
    );
  });

  it('a revoked key -> 401 at once; the row records the revocation; it cannot be rotated back (404)', async () => {
    const victim = await createKey(t, a.auth, { scopes: ['stations:read'] });
    expectStatus(await stations(victim.auth), 200);

    expectStatus(await request(t.server).delete(`/v1/api-keys/${victim.id}`).set(a.auth), 204);

    expect((await keyRow(victim.id)).revoked_at).not.toBeNull();
    const before = await snapshot(t);
    expectUnauthenticated(await stations(victim.auth));
    expectStatus(await request(t.server).post(`/v1/api-keys/${victim.id}/rotate`).set(a.auth), 404);
    expect(await snapshot(t)).toEqual(before);
  });

  it('an expired key -> 401', async () => {
    const victim = await createKey(t, a.auth, { scopes: ['stations:read'] });
    expectStatus(await stations(victim.auth), 200);
    await t.dataSource.query(
      "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
      [victim.id],
    );
    const before = await snapshot(t);
    expectUnauthenticated(await stations(victim.auth));
    expect(await snapshot(t)).toEqual(before);
  });

  it('the keys of an owner an admin disabled -> 401, and their rows are revoked', async () => {
    const owner = await signedInUser(t, 'operator');
    const keys = await Promise.all([
      createKey(t, owner.auth, { scopes: ['stations:read'] }),
      createKey(t, owner.auth, { scopes: ['observations:read'] }),
    ]);
    expectStatus(await stations(keys[0].auth), 200);

    await adminPatchUser(t, owner.id, { disabled: true });

    expect(
      await countWhere(t, 'api_keys', 'owner_id = $1 AND revoked_at IS NULL', [owner.id]),
    ).toBe(0);
    const before = await snapshot(t);
    for (const k of keys) expectUnauthenticated(await stations(k.auth));
    expect(await snapshot(t)).toEqual(before);
    // Enabling the owner again does not bring the keys back.
    await adminPatchUser(t, owner.id, { disabled: false });
    expectUnauthenticated(await stations(keys[0].auth));
  });
});

describe('rotation (e2e)', () => {
  it('new key works; the old one works during the grace period and fails after it', async () => {
    const old = await createKey(t, a.auth, { scopes: ['stations:read'] });

    const res = await request(t.server).post(`/v1/api-keys/${old.id}/rotate`).set(a.auth);
    expectStatus(res, 201);
    expectNoSecretMaterial(res);
    const rotated = res.body as { id: string; key: string; keyId: string; rotatedAt: string };
    expect(rotated.key).toMatch(API_KEY_FORMAT);
    expect(rotated.key).not.toBe(old.key);
    expect(rotated).toMatchObject({ id: old.id, keyId: old.keyId, rotatedAt: expect.any(String) });

    expectStatus(await stations(apiKeyHeader(rotated.key)), 200);
    expectStatus(await stations(old.auth), 200);
    const row = await keyRow(old.id);
    const graceEnds = (row.previous_expires_at as Date).getTime();
    expect(graceEnds).toBeGreaterThan(Date.now() + (GRACE_SECONDS - 30) * 1000);
    expect(graceEnds).toBeLessThanOrEqual(Date.now() + GRACE_SECONDS * 1000);

    // Time passes: the grace period is over.
    await t.dataSource.query(
      "UPDATE api_keys SET previous_expires_at = now() - interval '1 second' WHERE id = $1",
      [old.id],
    );
    const before = await snapshot(t);
    expectUnauthenticated(await stations(old.auth));
    expect(await snapshot(t)).toEqual(before);
    expectStatus(await stations(apiKeyHeader(rotated.key)), 200);
  });

  it('a second rotation ends the first key at once: only one previous secret is kept', async () => {
    const first = await createKey(t, a.auth, { scopes: ['stations:read'] });
    const second = await request(t.server).post(`/v1/api-keys/${first.id}/rotate`).set(a.auth);
    const third = await request(t.server).post(`/v1/api-keys/${first.id}/rotate`).set(a.auth);
    expectStatus(third, 201);

    expectUnauthenticated(await stations(first.auth));
    expectStatus(await stations(apiKeyHeader((second.body as { key: string }).key)), 200);
    expectStatus(await stations(apiKeyHeader((third.body as { key: string }).key)), 200);
  });
});

describe('concurrent rotations (e2e): a compare-and-swap', () => {
  const rotate = (id: string) => () =>
    request(t.server).post(`/v1/api-keys/${id}/rotate`).set(a.auth);
  const works = async (key: string) => (await stations(apiKeyHeader(key))).status === 200;

  it('four rotations at once -> one 201 and three 409; the winner works, the old key keeps its full grace period (x3)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const old = await createKey(t, a.auth, { scopes: ['stations:read'] });
      const lock = { sql: 'SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE', params: [old.id] };
      const responses = await sendTogether(
        t,
        lock,
        [1, 2, 3, 4].map(() => rotate(old.id)),
      );

      const statuses = responses.map((res) => res.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409]);
      for (const res of responses.filter((r) => r.status === 409)) {
        expect(expectProblem(res, 409).detail).toContain('rotated by another request');
        expect(res.text).not.toMatch(/wxk_/);
        expectNoSecretMaterial(res);
      }
      const winner = (responses.find((r) => r.status === 201)?.body as { key: string }).key;
      expect(await works(winner)).toBe(true);
      expect(await works(old.key)).toBe(true);
      const row = await keyRow(old.id);
      expect((row.previous_expires_at as Date).getTime()).toBeGreaterThan(
        Date.now() + (GRACE_SECONDS - 30) * 1000,
      );
      // The row's previous secret is the old key's, not one of the losers' (never stored).
      const oldHash = createHash('sha256').update(old.secret).digest();
      expect(oldHash.equals(row.previous_secret_hash as Buffer)).toBe(true);

      // A later rotation (sent after the race answered) is an ordinary rotation again.
      const next = await rotate(old.id)();
      expectStatus(next, 201);
      expect(await works((next.body as { key: string }).key)).toBe(true);
      expect(await works(winner)).toBe(true);
      expect(await works(old.key)).toBe(false);
    }
  });

  it('without a gate too: never a 5xx, and exactly the current and the previous secret work (x3)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const old = await createKey(t, a.auth, { scopes: ['stations:read'] });
      const responses = await Promise.all([1, 2, 3, 4].map(() => rotate(old.id)()));
      for (const res of responses) expect([201, 409]).toContain(res.status);
      const issued = responses
        .filter((res) => res.status === 201)
        .map((res) => (res.body as { key: string }).key);
      expect(issued.length).toBeGreaterThanOrEqual(1);
      const working = [];
      for (const key of [old.key, ...issued]) if (await works(key)) working.push(key);
      expect(working).toHaveLength(2);
      if (issued.length === 1) expect(working).toEqual([old.key, issued[0]]);
    }
  });
});

describe('what a valid key may reach (e2e)', () => {
  let full: CreatedKey;
  beforeAll(async () => {
    full = await createKey(t, a.auth, {
      scopes: ['stations:read', 'observations:read', 'observations:write'],
    });
  });

  it.each([
    ['GET', '/v1/api-keys'],
    ['POST', '/v1/api-keys'],
    ['GET', '/v1/api-keys/:key'],
    ['POST', '/v1/api-keys/:key/rotate'],
    ['DELETE', '/v1/api-keys/:key'],
    ['GET', '/v1/users'],
    ['GET', '/v1/users/:owner'],
    ['PATCH', '/v1/users/:owner'],
    ['GET', '/v1/auth/me'],
    ['POST', '/v1/auth/logout'],
    ['POST', '/v1/auth/change-password'],
    ['POST', '/v1/stations'],
    ['PATCH', '/v1/stations/:station'],
    ['DELETE', '/v1/stations/:station'],
  ] as const)(
    '%s %s -> 403 with a valid full-scope key, nothing changed',
    async (method, template) => {
      const path = template
        .replace(':key', full.id)
        .replace(':owner', a.id)
        .replace(':station', stationA.id);
      const bodies: Record<string, object> = {
        'POST /v1/api-keys': { name: 'minted by a key', scopes: ['stations:read'] },
        'PATCH /v1/users/:owner': { role: 'admin' },
        'POST /v1/auth/change-password': {
          currentPassword: a.password,
          newPassword: newPassword(),
        },
        'POST /v1/stations': {
          code: 'KEY_MADE',
          name: 'x',
          latitude: 1,
          longitude: 1,
          elevationM: 1,
          timezone: 'UTC',
        },
        'PATCH /v1/stations/:station': { name: 'renamed by a key' },
      };
      const before = await snapshot(t);
      const res = await call(t, method, path, full.auth, bodies[`${method} ${template}`]);
      expectStatus(res, 403);
      expect(await snapshot(t)).toEqual(before);
    },
  );

  it('lastUsedAt is written after a use', async () => {
    const key = await createKey(t, a.auth, { scopes: ['stations:read'] });
    expect((await keyRow(key.id)).last_used_at).toBeNull();
    expectStatus(await stations(key.auth), 200);
    const used = await waitFor(
      'last_used_at to be written',
      async () => (await keyRow(key.id)).last_used_at as Date | null,
      { timeoutMs: 5000, intervalMs: 25, onTimeout: 'return' },
    );
    expect(used).toBeInstanceOf(Date);
    expect(Math.abs(used!.getTime() - Date.now())).toBeLessThan(60_000);
    const res = await request(t.server).get(`/v1/api-keys/${key.id}`).set(a.auth);
    expect(res.body).toMatchObject({ lastUsedAt: used!.toISOString() });
  });

  it('a key bound to a station writes there, and gets 404 (nothing written) for another station of the same owner', async () => {
    const bound = await createKey(t, a.auth, {
      scopes: ['observations:write'],
      resourceId: stationA.id,
    });
    const path = (id: string) => `/v1/stations/${id}/observations`;

    expectStatus(
      await request(t.server).post(path(stationA.id)).set(bound.auth).send(uniqueObservation()),
      201,
    );
    const before = await snapshot(t);
    const res = await request(t.server)
      .post(path(stationA2.id))
      .set(bound.auth)
      .send(uniqueObservation());
    expectStatus(res, 404);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a key never does more than its owner: after the owner is demoted to viewer it can no longer write', async () => {
    const owner = await signedInUser(t, 'operator');
    const station = await createStation(t, {}, owner.auth);
    const key = await createKey(t, owner.auth, { scopes: ['observations:write', 'stations:read'] });
    const write = () =>
      request(t.server)
        .post(`/v1/stations/${station.id}/observations`)
        .set(key.auth)
        .send(uniqueObservation());
    expectStatus(await write(), 201);

    await adminPatchUser(t, owner.id, { role: 'viewer' });

    const before = await snapshot(t);
    expectStatus(await write(), 403);
    expectStatus(
      await request(t.server)
        .post(`/v1/stations/${station.id}/observations`)
        .set(owner.auth)
        .send(uniqueObservation()),
      403,
    );
    expect(await snapshot(t)).toEqual(before);
    expectStatus(await stations(key.auth), 200); // reading is what a viewer may do
  });
});

describe('keys of other people (e2e)', () => {
  let keyOfA: CreatedKey;
  let keyOfB: CreatedKey;
  beforeAll(async () => {
    keyOfA = await createKey(t, a.auth, { scopes: ['stations:read'] });
    keyOfB = await createKey(t, b.auth, { scopes: ['stations:read'] });
  });

  it.each([
    ['read', 'get', ''],
    ['rotate', 'post', '/rotate'],
    ['revoke', 'delete', ''],
  ] as const)(
    'B cannot %s A’s key: 404, and A’s key is unchanged and still works',
    async (_name, method, suffix) => {
      const before = await snapshot(t);
      const res = await request(t.server)[method](`/v1/api-keys/${keyOfA.id}${suffix}`).set(b.auth);
      expectStatus(res, 404);
      expect(res.text).not.toContain(keyOfA.keyId);
      expect(await snapshot(t)).toEqual(before);
      expectStatus(await stations(keyOfA.auth), 200);
    },
  );

  it('B’s list never contains A’s keys; B may not ask for A’s (400)', async () => {
    const list = await request(t.server).get('/v1/api-keys').set(b.auth);
    expectStatus(list, 200);
    const owners = new Set(
      (list.body as { data: { ownerId: string }[] }).data.map((k) => k.ownerId),
    );
    expect([...owners]).toEqual([b.id]);
    expect(list.text).not.toContain(keyOfA.id);

    const forA = await request(t.server).get('/v1/api-keys').query({ ownerId: a.id }).set(b.auth);
    expectStatus(forA, 400);
    expect(forA.text).not.toContain(keyOfA.id);
  });

  it('admins see every key and can filter by ?ownerId=', async () => {
    const all = await request(t.server).get('/v1/api-keys').set(t.auth);
    expectStatus(all, 200);
    expectNoSecretMaterial(all);
    const ids = (all.body as { data: { id: string }[] }).data.map((k) => k.id);
    expect(ids).toEqual(expect.arrayContaining([keyOfA.id, keyOfB.id]));
    expect(ids).toHaveLength(await countWhere(t, 'api_keys'));

    const onlyA = await request(t.server).get('/v1/api-keys').query({ ownerId: a.id }).set(t.auth);
    expectStatus(onlyA, 200);
    const data = (onlyA.body as { data: { id: string; ownerId: string }[] }).data;
    expect(data.map((k) => k.id)).toContain(keyOfA.id);
    expect(data.every((k) => k.ownerId === a.id)).toBe(true);
    expect(data).toHaveLength(await countWhere(t, 'api_keys', 'owner_id = $1', [a.id]));
  });
});
