import request from 'supertest';
import { CreatedKey, createKey } from '../support/api-keys';
import { eventOf } from '../../src/security/audit/audit-chain.writer';
import { chainHash } from '../../src/security/audit/audit-hash';
import { auditRows, flushAudit } from '../support/audit';
import { query } from '../support/database';
import { Headers, times } from '../support/http';
import { uniqueObservation } from '../support/observations';
import { SignedInUser, signedInUser } from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * The hash chain under concurrency, the admin endpoints that read and verify it, and the
 * append-only trigger. Runs on embedded PGlite and, with DATABASE_URL, on the PostgreSQL server:
 * the trigger SQL below is plain PostgreSQL and the test database's owner may drop it.
 */
interface AuditJson {
  id: string;
  occurredAt: string;
  actorId: string | null;
  action: string;
  outcome: string;
}
interface AuditPage {
  data: AuditJson[];
  nextCursor: string | null;
}

let t: TestApp;
let operator: SignedInUser;
let viewer: SignedInUser;
let key: CreatedKey;
let stationId: string;

beforeAll(async () => {
  t = await startTestApp();
  operator = await signedInUser(t, 'operator', { fromAnyIp: true });
  viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
  key = await createKey(t, operator.auth, { scopes: ['observations:write', 'stations:read'] });
  const station = await request(t.server)
    .post('/v1/stations')
    .set(operator.auth)
    .send(stationBody());
  stationId = station.body.id as string;
});
afterAll(() => t.close());

const verify = (headers: Headers = t.auth) =>
  request(t.server).get('/v1/audit-logs/verify').set(headers);
const list = (params: Record<string, string | number>, headers: Headers = t.auth) =>
  request(t.server).get('/v1/audit-logs').query(params).set(headers);

/** Follows nextCursor to the end; returns every record in the order served. */
async function listAll(params: Record<string, string | number>): Promise<AuditJson[]> {
  const all: AuditJson[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const res = await list(cursor ? { ...params, cursor } : params);
    expect(res.status).toBe(200);
    const body = res.body as AuditPage;
    expect(body.data.length).toBeLessThanOrEqual(Number(params.limit ?? 100));
    all.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) return all;
  }
  throw new Error('pagination did not end');
}

async function dbIds(where = 'true', params: unknown[] = []): Promise<string[]> {
  const rows = await query<{ id: string }>(
    t,
    `SELECT a.id::text AS id FROM audit_log a WHERE ${where} ORDER BY a.id DESC`,
    params,
  );
  return rows.map((r) => r.id);
}

async function auditCount(): Promise<number> {
  return (await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM audit_log'))[0].n;
}

describe('hash chain under concurrency (e2e)', () => {
  it('200 concurrent mutations (and denials alongside) leave one valid chain', async () => {
    const creates = Array.from({ length: 100 }, () =>
      request(t.server).post('/v1/stations').set(operator.auth).send(stationBody()),
    );
    const ingests = Array.from({ length: 100 }, () =>
      request(t.server)
        .post(`/v1/stations/${stationId}/observations`)
        .set(key.auth)
        .send(uniqueObservation()),
    );
    const denials = Array.from({ length: 20 }, () => request(t.server).get('/v1/stations'));
    const responses = await Promise.all([...creates, ...ingests, ...denials]);
    // On a saturated machine a write may wait longer than the database pool allows: that is an
    // explicit 503 with Retry-After (never a 500), and it must leave nothing behind.
    const writes = responses.slice(0, 200);
    for (const res of writes) {
      expect({
        status: res.status,
        retryAfter: res.status === 503 ? res.headers['retry-after'] : 'n/a',
      }).toEqual(
        res.status === 503
          ? { status: 503, retryAfter: expect.stringMatching(/^\d+$/) as string }
          : { status: 201, retryAfter: 'n/a' },
      );
    }
    expect(responses.slice(200).map((r) => r.status)).toEqual(times(20, 401));
    const created = writes.slice(0, 100).filter((r) => r.status === 201).length;
    const ingested = writes.slice(100).filter((r) => r.status === 201).length;
    expect(created + ingested).toBeGreaterThan(0);
    await flushAudit(t);

    const total = await auditCount();
    const res = await verify();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: true, checked: total, firstInvalidId: null });

    // Every acknowledged mutation has its record, and each row links to the one before it in
    // seal order (a lower id may commit, and be sealed, after a higher one).
    const counts = await query<{ action: string; n: number }>(
      t,
      `SELECT action, count(*)::int AS n FROM audit_log
        WHERE action IN ('station.created', 'observations.ingested', 'access.denied')
        GROUP BY action ORDER BY action`,
    );
    expect(counts).toEqual([
      { action: 'access.denied', n: 20 },
      ...(ingested > 0 ? [{ action: 'observations.ingested', n: ingested }] : []),
      { action: 'station.created', n: created + 1 },
    ]);
    const broken = await query(
      t,
      `SELECT id FROM (
         SELECT id, prev_hash, lag(hash) OVER (ORDER BY seal_seq) AS previous FROM audit_log
       ) c
       WHERE prev_hash <> coalesce(previous, repeat('0', 64))`,
    );
    expect(broken).toEqual([]);
  });
});

describe('GET /v1/audit-logs (e2e)', () => {
  it('keyset pagination returns every row exactly once, newest first', async () => {
    await flushAudit(t);
    const expected = await dbIds();
    expect(expected.length).toBeGreaterThan(200);
    const served = await listAll({ limit: 37 });
    const ids = served.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it('filters by actor, action, outcome and time range, alone and together', async () => {
    await flushAudit(t);
    const byActor = await listAll({ actor: operator.id, limit: 50 });
    expect(byActor.every((r) => r.actorId === operator.id)).toBe(true);
    expect(byActor.map((r) => r.id)).toEqual(await dbIds('actor_id = $1', [operator.id]));

    const byKey = await listAll({ actor: key.id, limit: 500 });
    expect(byKey.map((r) => r.id)).toEqual(await dbIds('actor_id = $1', [key.id]));
    // The key's 100 ingests above (fewer if a saturated machine answered some of them 503).
    expect(byKey.length).toBeGreaterThan(0);

    const byAction = await listAll({ action: 'station.created', limit: 500 });
    expect(byAction.every((r) => r.action === 'station.created')).toBe(true);
    expect(byAction.map((r) => r.id)).toEqual(await dbIds(`action = 'station.created'`));

    const denied = await listAll({ outcome: 'denied', limit: 500 });
    expect(denied.every((r) => r.outcome === 'denied')).toBe(true);
    expect(denied.map((r) => r.id)).toEqual(await dbIds(`outcome = 'denied'`));
    expect(denied.length).toBeGreaterThanOrEqual(20);

    // A window between two stored instants: from is inclusive, to exclusive.
    const instants = await query<{ at: Date }>(
      t,
      'SELECT DISTINCT occurred_at AS at FROM audit_log ORDER BY occurred_at',
    );
    expect(instants.length).toBeGreaterThan(3);
    const from = instants[1].at.toISOString();
    const to = instants[instants.length - 2].at.toISOString();
    const inRange = await listAll({ from, to, limit: 500 });
    expect(inRange.map((r) => r.id)).toEqual(
      await dbIds('occurred_at >= $1 AND occurred_at < $2', [from, to]),
    );
    expect(inRange.every((r) => r.occurredAt >= from && r.occurredAt < to)).toBe(true);
    expect(inRange.length).toBeLessThan(await auditCount());

    const combined = await listAll({
      actor: operator.id,
      action: 'station.created',
      outcome: 'success',
      from: instants[0].at.toISOString(),
      limit: 13,
    });
    expect(combined.map((r) => r.id)).toEqual(
      await dbIds(`actor_id = $1 AND action = 'station.created' AND outcome = 'success'`, [
        operator.id,
      ]),
    );
    // The operator's stations: 1 + those of the 100 concurrent creations that got a 201 (a
    // saturated machine answers some 503). More than one page of 13 either way.
    expect(combined.length).toBeGreaterThan(13);
    expect((await list({ actor: 'nobody-at-all' })).body).toEqual({ data: [], nextCursor: null });
  });

  it('refuses a cursor it did not issue and out-of-range parameters (400)', async () => {
    const refused: Array<Record<string, string | number>> = [
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from(JSON.stringify({ id: '1 OR 1=1' })).toString('base64url') },
      { limit: 0 },
      { limit: 501 },
      { outcome: 'maybe' },
      { from: 'yesterday' },
    ];
    for (const params of refused) {
      const res = await list(params);
      expect({ params, status: res.status }).toEqual({ params, status: 400 });
    }
  });

  it('is for admins only: operator, viewer and API key get 403, anonymous 401', async () => {
    for (const path of ['/v1/audit-logs', '/v1/audit-logs/verify']) {
      for (const [headers, status] of [
        [operator.auth, 403],
        [viewer.auth, 403],
        [key.auth, 403],
        [{}, 401],
      ] as Array<[Headers, number]>) {
        const res = await request(t.server).get(path).set(headers);
        expect({ path, status: res.status }).toEqual({ path, status });
        expect(res.body.data).toBeUndefined();
        expect(res.body.valid).toBeUndefined();
      }
    }
  });
});

describe('append-only, and tampering detected (e2e)', () => {
  const rowText = async (id: string) =>
    (
      await query<{ row: string }>(t, 'SELECT a::text AS row FROM audit_log a WHERE id = $1', [id])
    )[0].row;

  it('UPDATE, DELETE and TRUNCATE are rejected by the trigger; the row is unchanged', async () => {
    await flushAudit(t);
    const [target] = await dbIds();
    const before = await rowText(target);
    const count = await auditCount();

    await expect(
      t.dataSource.query(`UPDATE audit_log SET action = 'station.viewed' WHERE id = $1`, [target]),
    ).rejects.toThrow(/audit_log is append-only: UPDATE is not allowed/);
    await expect(
      t.dataSource.query('DELETE FROM audit_log WHERE id = $1', [target]),
    ).rejects.toThrow(/audit_log is append-only: DELETE is not allowed/);
    await expect(t.dataSource.query('TRUNCATE audit_log')).rejects.toThrow(
      /audit_log is append-only: TRUNCATE is not allowed/,
    );

    expect(await rowText(target)).toBe(before);
    expect(await auditCount()).toBe(count);
    expect((await verify()).body).toMatchObject({
      valid: true,
      checked: count,
      firstInvalidId: null,
    });
  });

  it('with the trigger dropped, a row altered by raw SQL is the first invalid one', async () => {
    await flushAudit(t);
    // Verification walks seal order.
    const ascending = (
      await query<{ id: string }>(t, 'SELECT id::text AS id FROM audit_log ORDER BY seal_seq')
    ).map((r) => r.id);
    const position = Math.floor(ascending.length / 2);
    const target = ascending[position];

    await t.dataSource.query('DROP TRIGGER audit_log_no_update_delete ON audit_log');
    await t.dataSource.query(`UPDATE audit_log SET action = 'station.viewed' WHERE id = $1`, [
      target,
    ]);
    expect((await query(t, 'SELECT action FROM audit_log WHERE id = $1', [target]))[0]).toEqual({
      action: 'station.viewed',
    });

    const res = await verify();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: false, checked: position + 1, firstInvalidId: target });

    // Earlier in the chain, a sealed row deleted and its successor relinked and rehashed by
    // someone who knows the scheme: the hole in the positions still shows.
    const early = Math.floor(position / 2);
    const [gone, next] = [ascending[early], ascending[early + 1]];
    await t.dataSource.query('DELETE FROM audit_log WHERE id = $1', [gone]);
    const [row] = await auditRows(t, { id: next });
    const prevHash = (
      await query<{ hash: string }>(t, 'SELECT hash FROM audit_log WHERE seal_seq = $1', [
        BigInt(row.sealSeq ?? '0') - 2n,
      ])
    )[0].hash;
    await t.dataSource.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE id = $1', [
      next,
      prevHash,
      chainHash(prevHash, eventOf(row)),
    ]);
    expect((await verify()).body).toMatchObject({
      valid: false,
      checked: early + 1,
      firstInvalidId: next,
    });
  });
});
