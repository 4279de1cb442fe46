import request from 'supertest';
import { AuditSealer, SEAL_LOCK } from '../src/security/audit/audit-sealer';
import { MetricsServer } from '../src/security/monitoring/metrics.server';
import { unsealedCount } from './support/audit';
import { sampleOf, scrape } from './support/metrics';
import { stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';
import { waitFor } from './support/wait';

// Two app instances need one shared database: a PostgreSQL server. (Embedded PGlite belongs to
// one process, so this file only runs when DATABASE_URL is set, as in CI's second pass.)
const onServer = process.env.DATABASE_URL ? describe : describe.skip;
const MAX_DELAY_MS = 1000;

onServer('audit chain with two app instances on one database (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    // b: a short bound, and its metrics, for the test where its sealer is locked out.
    b = await startTestApp({
      DATABASE_URL: a.config.database.url,
      AUDIT_SEAL_MAX_DELAY_MS: String(MAX_DELAY_MS),
      METRICS_PORT: '0',
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('interleaved writes from both instances are all sealed, once each, into one valid chain', async () => {
    const writes = Array.from({ length: 60 }, (_, i) => {
      const t = i % 2 === 0 ? a : b;
      return request(t.server)
        .post('/v1/stations')
        .set(t.auth)
        .send(stationBody({ code: `MULTI_${String(i).padStart(3, '0')}` }));
    });
    const statuses = (await Promise.all(writes)).map((res) => res.status);
    expect(statuses.every((status) => status === 201)).toBe(true);

    const [{ created }] = await a.dataSource.query<Array<{ created: number }>>(
      `SELECT count(*)::int AS created FROM audit_log WHERE action = 'station.created'`,
    );
    expect(created).toBe(60);
    // Sealed by the instances' own timers, nothing forced: eventually, within the bounded wait.
    await waitFor('every audit row sealed', async () => (await unsealedCount(a)) === 0);
    const [positions] = await a.dataSource.query<
      Array<{ total: number; first: string; last: string; distinct: number }>
    >(
      `SELECT count(*)::int AS total, min(seal_seq)::text AS first, max(seal_seq)::text AS last,
              count(DISTINCT seal_seq)::int AS distinct FROM audit_log`,
    );
    const total = positions.total;
    // One chain: positions 1..total, each used once, whichever instance sealed the row.
    expect(positions).toEqual({ total, first: '1', last: String(total), distinct: total });
    // Each row was sealed exactly once, by one of the two: the sealers' counts add up.
    const sealedBy = [a, b].map((t) => t.app.get(AuditSealer).sealStats().sealed);
    expect(sealedBy[0] + sealedBy[1]).toBe(total);
    for (const t of [a, b]) {
      const verify = await request(t.server).get('/v1/audit-logs/verify').set(t.auth);
      expect(verify.body).toMatchObject({
        valid: true,
        checked: total,
        firstInvalidId: null,
        sealed: total,
        pending: 0,
      });
    }
  });

  it('an instance that shuts down seals what it wrote before its database closes', async () => {
    const c = await startTestApp({ DATABASE_URL: a.config.database.url });
    // Every timer-driven seal paused on all three (their timers and writes call sealNow): only
    // c's shutdown can seal its record.
    const paused = [a, b, c].map((t) =>
      jest.spyOn(t.app.get(AuditSealer), 'sealNow').mockResolvedValue(0),
    );
    try {
      const res = await request(c.server)
        .post('/v1/stations')
        .set(c.auth)
        .send(stationBody({ code: 'MULTI_SHUTDOWN' }));
      expect(res.status).toBe(201);
      expect(await unsealedCount(a)).toBeGreaterThan(0);
      await c.close();
      expect(await unsealedCount(a)).toBe(0);
    } finally {
      for (const spy of paused) spy.mockRestore();
    }
    const verify = await request(a.server).get('/v1/audit-logs/verify').set(a.auth);
    expect(verify.body).toMatchObject({ valid: true, firstInvalidId: null, pending: 0 });
  });

  it('while another session holds the seal lock, both sealers skip; released, a write is sealed', async () => {
    const holder = a.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      // Between two of the instances' own seal runs (each holds the lock for one batch only).
      await waitFor('the seal lock', async () => {
        const [{ locked }] = (await holder.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
          SEAL_LOCK,
        ])) as Array<{ locked: boolean }>;
        return locked;
      });
      const res = await request(b.server)
        .post('/v1/stations')
        .set(b.auth)
        .send(stationBody({ code: 'MULTI_LOCKED' }));
      expect(res.status).toBe(201);
      for (const t of [a, b]) expect(await t.app.get(AuditSealer).sealNow()).toBe(0);
      expect(await unsealedCount(a)).toBeGreaterThan(0);
      // Past the bound, readiness and the metrics the alert rule compares say so.
      await waitFor('b to report the record overdue', async () => {
        const ready = await request(b.server).get('/health/ready');
        return (ready.body as { details: { audit: { sealOverdue: boolean } } }).details.audit
          .sealOverdue;
      });
      const metrics = await scrape(`http://127.0.0.1:${b.app.get(MetricsServer).address()!.port}`);
      expect(sampleOf(metrics, 'audit_records_unsealed')).toBeGreaterThan(0);
      expect(sampleOf(metrics, 'audit_unsealed_oldest_age_seconds')).toBeGreaterThan(
        sampleOf(metrics, 'audit_seal_max_delay_seconds'),
      );
      expect(sampleOf(metrics, 'audit_seal_max_delay_seconds')).toBe(MAX_DELAY_MS / 1000);
    } finally {
      await holder.commitTransaction(); // the advisory lock goes with the transaction
      await holder.release();
    }
    await waitFor('the locked-out record sealed', async () => (await unsealedCount(a)) === 0);
    await waitFor('b to report nothing overdue', async () => {
      const ready = await request(b.server).get('/health/ready');
      const audit = (
        ready.body as { details: { audit: { sealOverdue: boolean; unsealed: number } } }
      ).details.audit;
      return !audit.sealOverdue && audit.unsealed === 0;
    });
    const verify = await request(a.server).get('/v1/audit-logs/verify').set(a.auth);
    expect(verify.body).toMatchObject({ valid: true, firstInvalidId: null, pending: 0 });
  });
});
