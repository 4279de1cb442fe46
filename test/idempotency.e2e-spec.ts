import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { IdempotencyPurger, PURGE_BATCH } from '../src/idempotency/idempotency-purger';
import { expectProblem } from './support/problems';
import { signedInUser } from './support/sign-in';
import { StationJson, createStation, stationBody } from './support/stations';
import { uniqueObservation } from './support/observations';
import { TestApp, startTestApp } from './support/test-app';

const REUSED = 'urn:weather-api:problem:idempotency-key-reused';

describe('Idempotency-Key on create routes (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (
    app: TestApp,
    path: string,
    key: string | undefined,
    body: unknown,
    auth = app.auth,
  ) => {
    const req = request(app.server).post(path).set(auth);
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body as object);
  };
  const count = async (sql: string, params: unknown[]) =>
    (await t.dataSource.query<Array<{ n: number }>>(sql, params))[0].n;
  const stationsWithCode = (code: unknown) =>
    count('SELECT count(*)::int AS n FROM stations WHERE code = $1', [code]);
  const createdRecords = (id: string) =>
    count(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'station.created' AND resource_id = $1`,
      [id],
    );

  it('a retry with the same key and body replays the first answer: one station, one audit record', async () => {
    const key = randomUUID();
    const body = stationBody();
    const first = await post(t, '/v1/stations', key, body);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    // The same JSON with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const retry = await post(t, '/v1/stations', key, reordered);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);

    expect(await stationsWithCode(body.code)).toBe(1);
    expect(await createdRecords((first.body as StationJson).id)).toBe(1);
  });

  it('without the key a second identical create is a second attempt (409 here), as before', async () => {
    const body = stationBody();
    expect((await post(t, '/v1/stations', undefined, body)).status).toBe(201);
    expectProblem(await post(t, '/v1/stations', undefined, body), 409);
  });

  it('the same key with a different body is 422 problem+json and changes nothing', async () => {
    const key = randomUUID();
    const first = stationBody();
    expect((await post(t, '/v1/stations', key, first)).status).toBe(201);
    const other = stationBody();
    const res = await post(t, '/v1/stations', key, other);
    expect(expectProblem(res, 422).type).toBe(REUSED);
    expect(await stationsWithCode(other.code)).toBe(0);
  });

  it('keys belong to their caller: another user with the same key is not replayed, nor refused', async () => {
    const key = randomUUID();
    const mine = stationBody();
    expect((await post(t, '/v1/stations', key, mine)).status).toBe(201);
    const operator = await signedInUser(t, 'operator');
    const theirs = stationBody();
    const res = await post(t, '/v1/stations', key, theirs, operator.auth);
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect((res.body as StationJson).code).toBe(theirs.code);
    expect((res.body as StationJson).ownerId).toBe(operator.id);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['with spaces', 'not a key'],
    ['with a quote', "x'; DROP TABLE stations; --"],
  ])('a malformed key (%s) is 400 problem+json and creates nothing', async (_label, key) => {
    const body = stationBody();
    const res = await post(t, '/v1/stations', key, body);
    expectProblem(res, 400);
    expect(await stationsWithCode(body.code)).toBe(0);
  });

  it('a failed request does not spend its key: the retry runs again', async () => {
    const taken = await createStation(t);
    const key = randomUUID();
    const body = stationBody({ code: taken.code });
    expectProblem(await post(t, '/v1/stations', key, body), 409);
    expectProblem(await post(t, '/v1/stations', key, body), 409);
    expect(
      await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key]),
    ).toBe(0);
  });

  it('concurrent retries of one key write once and all get the first answer', async () => {
    const key = randomUUID();
    const body = stationBody();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(t, '/v1/stations', key, body)),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((res) => (res.body as StationJson).id)).size).toBe(1);
    // One ran; the others waited on the key's row, then replayed its answer (no 409 to retry).
    const replayed = answers.filter((res) => res.headers['idempotent-replayed'] === 'true');
    expect(replayed).toHaveLength(7);
    expect(await stationsWithCode(body.code)).toBe(1);
  });

  it('an expired key may be used afresh', async () => {
    const key = randomUUID();
    expect((await post(t, '/v1/stations', key, stationBody())).status).toBe(201);
    await t.dataSource.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
      [key],
    );
    const fresh = stationBody();
    const res = await post(t, '/v1/stations', key, fresh);
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await stationsWithCode(fresh.code)).toBe(1);
  });

  it('expired keys are purged, batch after batch, and live ones kept: the table stays bounded', async () => {
    const scope = `test:${randomUUID()}`.slice(0, 80);
    const expired = PURGE_BATCH * 2 + 500; // more than one batch: one DELETE a pass would leave most
    await t.dataSource.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
       SELECT $1, 'expired-' || i, repeat('0', 64), now() - interval '1 second'
       FROM generate_series(1, $2::int) AS i`,
      [scope, expired],
    );
    const live = randomUUID();
    expect((await post(t, '/v1/stations', live, stationBody())).status).toBe(201);
    const expiredNow = () =>
      count('SELECT count(*)::int AS n FROM idempotency_keys WHERE expires_at <= now()', []);
    const before = await expiredNow();
    expect(before).toBeGreaterThanOrEqual(expired);

    expect(await t.app.get(IdempotencyPurger).purge()).toBe(before);
    expect(await expiredNow()).toBe(0);
    expect(
      await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [live]),
    ).toBe(1);
    // The live key is still in force: another body with it is refused.
    expectProblem(await post(t, '/v1/stations', live, stationBody()), 422);
  });

  it('an observation batch retried with its key is stored once', async () => {
    const station = await createStation(t);
    const batch = [uniqueObservation(), uniqueObservation(), uniqueObservation()];
    const key = randomUUID();
    const path = `/v1/stations/${station.id}/observations`;
    const first = await post(t, path, key, batch);
    expect(first.status).toBe(201);
    const retry = await post(t, path, key, batch);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(
      await count('SELECT count(*)::int AS n FROM observations WHERE station_id = $1', [
        station.id,
      ]),
    ).toBe(3);
    // The same key on another station is another request: 422, not a replay.
    const other = await createStation(t);
    expectProblem(await post(t, `/v1/stations/${other.id}/observations`, key, batch), 422);
  });
});

// A retry that a load balancer sends to another instance: only a server can be shared.
const onServer = process.env.DATABASE_URL ? describe : describe.skip;

onServer('Idempotency-Key across two instances (e2e, PostgreSQL server)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ DATABASE_URL: a.config.database.url as string });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a batch retried on the other instance replays the first answer', async () => {
    const station = await createStation(a);
    const batch = [uniqueObservation(), uniqueObservation()];
    const key = randomUUID();
    const path = `/v1/stations/${station.id}/observations`;
    const first = await request(a.server)
      .post(path)
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send(batch);
    expect(first.status).toBe(201);
    // Same person, a session on B: keys are the caller's, not the session's.
    const retry = await request(b.server)
      .post(path)
      .set(b.auth)
      .set('Idempotency-Key', key)
      .send(batch);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const [{ n }] = await a.dataSource.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM observations WHERE station_id = $1',
      [station.id],
    );
    expect(n).toBe(2);
  });

  it('the same key sent to both instances at once writes once; the others wait and replay', async () => {
    const key = randomUUID();
    const body = stationBody();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const app = i % 2 === 0 ? a : b;
        return request(app.server)
          .post('/v1/stations')
          .set(app.auth)
          .set('Idempotency-Key', key)
          .send(body);
      }),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((res) => (res.body as StationJson).id)).size).toBe(1);
    expect(answers.filter((res) => res.headers['idempotent-replayed'] === 'true')).toHaveLength(7);
    const [{ n }] = await a.dataSource.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM stations WHERE code = $1',
      [body.code],
    );
    expect(n).toBe(1);
  });
});
