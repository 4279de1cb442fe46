import request from 'supertest';
import { FindOptionsWhere } from 'typeorm';
import {
  AuditBuffer,
  DROPPED_ACTION,
  QUARANTINED_ACTION,
} from '../../src/security/audit/audit-buffer';
import type { AuditEvent } from '../../src/security/audit/audit-event';
import { AuditLogEntry } from '../../src/security/audit/audit-log.entity';
import { CreatedKey, createKey } from '../support/api-keys';
import { AuditRow, auditRows, auditRowsEventually, flushAudit } from '../support/audit';
import { query } from '../support/database';
import { SignedInUser, signedInUser } from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Issue 9 section 1: one unstorable value must not stop the audit pipeline. Repros: a 100-char
 * station id and a %00 id, both answered 400, used to poison every later batch (the batch was
 * put back at the head forever). Runs on PGlite and, with DATABASE_URL, on PostgreSQL.
 */
const MAX_QUEUE = 100;
let t: TestApp;
let operator: SignedInUser;
let viewer: SignedInUser;
let key: CreatedKey;
let stationId: string;

beforeAll(async () => {
  t = await startTestApp({ AUDIT_QUEUE_MAX_RECORDS: String(MAX_QUEUE) });
  operator = await signedInUser(t, 'operator', { fromAnyIp: true });
  viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
  key = await createKey(t, operator.auth, { scopes: ['observations:write'] });
  const station = await request(t.server)
    .post('/v1/stations')
    .set(operator.auth)
    .send(stationBody());
  stationId = station.body.id as string;
});
afterAll(() => t.close());

/** Polls WITHOUT flushing: the buffer's own timer (1 s) must write the rows. */
async function writtenByTimer(
  where: FindOptionsWhere<AuditLogEntry>,
  timeoutMs = 10_000,
): Promise<AuditRow[]> {
  const rows = await waitFor(
    'the buffer timer to write audit rows',
    async () => {
      const found = await auditRows(t, where);
      return found.length > 0 ? found : undefined;
    },
    { timeoutMs, onTimeout: 'return' },
  );
  return rows ?? [];
}

const verify = (q: Record<string, string> = {}) =>
  request(t.server).get('/v1/audit-logs/verify').query(q).set(t.auth);

describe('a request value the database cannot store does not stop the audit pipeline', () => {
  it('records both repros (id escaped in details), then a 403 and a 401, within a flush interval', async () => {
    const long = await request(t.server)
      .patch(`/v1/stations/${'a'.repeat(100)}`)
      .set(operator.auth)
      .send({ name: 'x' });
    expect(long.status).toBe(400);
    const nul = await request(t.server)
      .post('/v1/stations/%00/observations')
      .set({ 'X-API-Key': key.key })
      .send([{ observedAt: '2026-11-23T10:00:00Z', temperatureC: 1 }]);
    expect(nul.status).toBe(400);
    const forbidden = await request(t.server)
      .post('/v1/stations')
      .set(viewer.auth)
      .send(stationBody());
    expect(forbidden.status).toBe(403);
    const badToken = await request(t.server)
      .get('/v1/stations')
      .set({ Authorization: 'Bearer not-a-token' });
    expect(badToken.status).toBe(401);

    for (const res of [long, nul, forbidden, badToken]) {
      const rows = await writtenByTimer({ requestId: res.headers['x-request-id'] });
      expect(rows).toHaveLength(1);
    }
    const [longRow] = await auditRows(t, { requestId: long.headers['x-request-id'] });
    expect(longRow).toMatchObject({ resourceId: null, httpStatus: 400 });
    expect(longRow.details).toMatchObject({ rawResourceId: 'a'.repeat(64) });
    const [nulRow] = await auditRows(t, { requestId: nul.headers['x-request-id'] });
    expect(nulRow).toMatchObject({ resourceId: null, httpStatus: 400 });
    expect(nulRow.details).toMatchObject({ rawResourceId: '\\u0000' });
    // Nothing was changed by the rejected requests.
    const count = await query<{ n: number }>(
      t,
      'SELECT count(*)::int AS n FROM observations WHERE station_id = $1',
      [stationId],
    );
    expect(count[0].n).toBe(0);
    expect(t.app.get(AuditBuffer).stats()).toMatchObject({ pending: 0, failedAttempts: 0 });
    expect((await verify()).body).toMatchObject({ valid: true, dropped: 0, quarantined: 0 });
  });
});

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    occurredAt: new Date(),
    requestId: null,
    actor: { type: 'anonymous', id: null, role: null, method: null },
    action: 'test.event',
    resourceType: null,
    resourceId: null,
    outcome: 'denied',
    httpStatus: 403,
    reason: null,
    clientIp: '127.0.0.1',
    userAgent: null,
    route: null,
    details: null,
    occurrences: 1,
    ...overrides,
  };
}

describe('a record the database refuses is quarantined, the rest of its batch is written', () => {
  it('splits the batch on a data error (SQLSTATE 22003 here) and keeps the chain valid', async () => {
    const buffer = t.app.get(AuditBuffer);
    const before = buffer.stats().quarantined;
    for (let i = 0; i < 9; i += 1) buffer.add(event({ action: `test.good.${i}` }));
    // smallint overflow: a data error no sanitising of request values can prevent.
    buffer.add(event({ action: 'test.bad', httpStatus: 99_999 }));
    await flushAudit(t);
    expect(buffer.stats()).toMatchObject({ pending: 0, quarantined: before + 1 });
    const good = await query<{ n: number }>(
      t,
      "SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'test.good.%'",
    );
    expect(good[0].n).toBe(9);
    const standIn = await auditRows(t, { action: QUARANTINED_ACTION });
    expect(standIn).toHaveLength(1);
    expect(standIn[0].details).toEqual({ action: 'test.bad', sqlState: '22003' });
    expect((await verify()).body).toMatchObject({ valid: true, quarantined: 1 });
  });
});

describe('a flood past AUDIT_QUEUE_MAX_RECORDS', () => {
  it('keeps the queue bounded, counts the drops, records them in the chain and in readiness', async () => {
    const buffer = t.app.get(AuditBuffer);
    // Synchronous adds: nothing can be written in between, so the bound is what holds.
    for (let i = 0; i < 20 * MAX_QUEUE; i += 1) buffer.add(event({ action: 'test.flood' }));
    const stats = buffer.stats();
    expect(stats.pending).toBeLessThanOrEqual(MAX_QUEUE);
    expect(stats.dropped).toBeGreaterThanOrEqual(19 * MAX_QUEUE);
    const ready = await request(t.server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      details: { audit: { status: 'up', dropped: stats.dropped, maxPending: MAX_QUEUE } },
    });
    await flushAudit(t);
    const marker = await auditRows(t, { action: DROPPED_ACTION });
    expect(marker.reduce((sum, row) => sum + row.occurrences, 0)).toBe(stats.dropped);
    expect((await verify()).body).toMatchObject({ valid: true, dropped: stats.dropped });
    // The alert raised at the first drop is not itself dropped: it uses the queue's headroom.
    const alert = await auditRowsEventually(t, 'security.alert.audit_records_dropped');
    expect(alert).toHaveLength(1);
    expect(buffer.stats().dropped).toBe(stats.dropped);
  });
});

describe('verify over a bounded range', () => {
  it('checks at most `limit` records per call and continues from nextFrom to the end', async () => {
    const total = (await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM audit_log'))[0].n;
    let from: string | null = '1';
    let checked = 0;
    for (let call = 0; from !== null && call < 1000; call += 1) {
      const res = await verify({ from, limit: '7' });
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(true);
      expect(res.body.checked).toBeLessThanOrEqual(7);
      checked += res.body.checked as number;
      from = res.body.nextFrom as string | null;
    }
    expect(checked).toBe(total);
    const bad = await verify({ from: '0x1', limit: '0' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch('application/problem+json');
  });
});
