import request from 'supertest';
import { CreatedKey, createKey } from '../support/api-keys';
import { countWhere, expectUnchangedBy, query } from '../support/database';
import { expectStatus } from '../support/http';
import { uniqueObservation } from '../support/observations';
import { expectProblem, refusal } from '../support/problems';
import { SignedInUser, signedInUser } from '../support/sign-in';
import { OwnedStation, createStation } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API1:2023 Broken Object Level Authorization. The objects: stations (and the
 * observations written to them) and API keys, each owned by the operator who made it. The
 * attacker is operator B, a legitimate user of the API, who knows or guesses the ids of operator
 * A's objects and sends them in the path or in a body. Every attempt must answer exactly what an
 * id that does not exist answers (404, so ids cannot be probed) and change nothing.
 *
 * Defence: `assertCanManage` (src/security/authorization/ownership.ts) in every handler that
 * loads an object to change it; reads of stations and observations are shared by design (the
 * authorization README's policy table), key management is not.
 */

const UNKNOWN_ID = '0b0e3c1a-4d5e-4f60-8a7b-9c8d7e6f5a4b';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let t: TestApp;
let opA: SignedInUser;
let opB: SignedInUser;
let stationA: OwnedStation;
let stationA2: OwnedStation;
let stationB: OwnedStation;
/** A's key, bound to stationA. */
let keyA: CreatedKey;
/** B's unbound key with observations:write. */
let keyB: CreatedKey;

beforeAll(async () => {
  t = await startTestApp();
  [opA, opB] = await Promise.all([signedInUser(t, 'operator'), signedInUser(t, 'operator')]);
  stationA = await createStation(t, {}, opA.auth);
  stationA2 = await createStation(t, {}, opA.auth);
  stationB = await createStation(t, {}, opB.auth);
  keyA = await createKey(t, opA.auth, {
    scopes: ['observations:write'],
    resourceId: stationA.id,
  });
  keyB = await createKey(t, opB.auth, { scopes: ['observations:write'] });
});
afterAll(() => t.close());

/** The 404 for an id that does not exist, as the attacker would see it. */
async function missing(method: 'patch' | 'delete' | 'get' | 'post', path: string, body?: object) {
  const req = request(t.server)[method](path).set(opB.auth);
  return refusal(await (body ? req.send(body) : req));
}

describe('API1 stations: operator B and operator A’s station (e2e)', () => {
  it('ids are random UUIDv4s, not counters an attacker could walk', () => {
    for (const id of [stationA.id, stationA2.id, stationB.id, keyA.id, keyB.id]) {
      expect(id).toMatch(UUID_V4);
    }
  });

  it('B PATCHes A’s station by id: 404 exactly like an unknown id; the row is unchanged', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .patch(`/v1/stations/${stationA.id}`)
        .set(opB.auth)
        .send({ name: 'owned by B now', latitude: 0 }),
    );
    expectProblem(res, 404);
    expect(refusal(res)).toEqual(
      await missing('patch', `/v1/stations/${UNKNOWN_ID}`, { name: 'owned by B now' }),
    );
  });

  it('B DELETEs A’s station by id: 404 like an unknown id; station and observations remain', async () => {
    await request(t.server)
      .post(`/v1/stations/${stationA.id}/observations`)
      .set(opA.auth)
      .send(uniqueObservation())
      .expect(201);
    const res = await expectUnchangedBy(t, () =>
      request(t.server).delete(`/v1/stations/${stationA.id}`).set(opB.auth),
    );
    expectProblem(res, 404);
    expect(refusal(res)).toEqual(await missing('delete', `/v1/stations/${UNKNOWN_ID}`));
    expect(await countWhere(t, 'observations', 'station_id = $1', [stationA.id])).toBe(1);
  });

  it('B writes observations into A’s station with a token: 404, nothing written', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .post(`/v1/stations/${stationA.id}/observations`)
        .set(opB.auth)
        .send([uniqueObservation(), uniqueObservation()]),
    );
    expectProblem(res, 404);
  });

  it('B’s unbound observations:write key cannot write into A’s station either (404)', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .post(`/v1/stations/${stationA.id}/observations`)
        .set(keyB.auth)
        .send(uniqueObservation()),
    );
    expectProblem(res, 404);
    // The control: the same key writes into B's own station.
    await request(t.server)
      .post(`/v1/stations/${stationB.id}/observations`)
      .set(keyB.auth)
      .send(uniqueObservation())
      .expect(201);
  });

  it('A’s key bound to station A1 cannot write to A’s other station A2 (404, nothing written)', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .post(`/v1/stations/${stationA2.id}/observations`)
        .set(keyA.auth)
        .send(uniqueObservation()),
    );
    expectProblem(res, 404);
    await request(t.server)
      .post(`/v1/stations/${stationA.id}/observations`)
      .set(keyA.auth)
      .send(uniqueObservation())
      .expect(201);
  });

  it('B binds a new key to A’s station: 404, no key is created', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .post('/v1/api-keys')
        .set(opB.auth)
        .send({ name: 'borrowed', scopes: ['observations:write'], resourceId: stationA.id }),
    );
    expectProblem(res, 404);
    expect(await countWhere(t, 'api_keys', 'owner_id = $1', [opB.id])).toBe(1);
  });

  it('the owner can do what B could not (the refusals above are about ownership)', async () => {
    const res = await request(t.server)
      .patch(`/v1/stations/${stationA2.id}`)
      .set(opA.auth)
      .send({ name: 'renamed by its owner' });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: stationA2.id, ownerId: opA.id });
  });
});

describe('API1 API keys: operator B and operator A’s key (e2e)', () => {
  it.each([
    ['GET', '/v1/api-keys/:id'],
    ['POST', '/v1/api-keys/:id/rotate'],
    ['DELETE', '/v1/api-keys/:id'],
    ['GET', '/v1/api-keys/:id/usage'],
  ] as const)(
    '%s %s with A’s key id, as B: 404 like an unknown id; the key is untouched',
    async (method, template) => {
      const verb = method.toLowerCase() as 'get' | 'post' | 'delete';
      const path = (id: string) => template.replace(':id', id);
      const res = await expectUnchangedBy(t, () =>
        request(t.server)[verb](path(keyA.id)).set(opB.auth),
      );
      expectProblem(res, 404);
      expect(refusal(res)).toEqual(await missing(verb, path(UNKNOWN_ID)));
    },
  );

  it('after all of that, A’s key still works with its original secret', async () => {
    await request(t.server)
      .post(`/v1/stations/${stationA.id}/observations`)
      .set(keyA.auth)
      .send(uniqueObservation())
      .expect(201);
    const [row] = await query<{ revoked_at: Date | null; rotated_at: Date | null }>(
      t,
      'SELECT revoked_at, rotated_at FROM api_keys WHERE id = $1',
      [keyA.id],
    );
    expect(row).toEqual({ revoked_at: null, rotated_at: null });
  });

  it('B’s key list holds only B’s keys; asking for A’s by ownerId is refused (400)', async () => {
    const list = await request(t.server).get('/v1/api-keys').set(opB.auth).expect(200);
    const keys = (list.body as { data: Array<{ id: string; ownerId: string }> }).data;
    expect(keys.map((k) => k.id)).toEqual([keyB.id]);
    expect(keys.every((k) => k.ownerId === opB.id)).toBe(true);

    const res = await expectUnchangedBy(t, () =>
      request(t.server).get(`/v1/api-keys?ownerId=${opA.id}`).set(opB.auth),
    );
    expectProblem(res, 400);
    expect(res.text).not.toContain(keyA.id);
  });
});
