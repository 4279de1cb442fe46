import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { isBackgroundWork } from '../../src/database/background-work';
import { AuditSealer, SEAL_LOCK } from '../../src/security/audit/audit-sealer';
import { auditOf, flushAudit } from '../support/audit';
import { query } from '../support/database';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Audit records are inserted unsealed and chained by the sealer (issue 11). What the append-only
 * trigger still refuses, what it allows (exactly one seal), that a write is sealed within
 * AUDIT_SEAL_MAX_DELAY_MS by the timers alone, and that the advisory lock is released at commit
 * on embedded PGlite (one session for every connection) as on PostgreSQL.
 */
const MAX_DELAY_MS = 5000;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ AUDIT_SEAL_MAX_DELAY_MS: String(MAX_DELAY_MS) });
});
afterAll(() => t.close());

const HASH = 'a'.repeat(64);
const INSERT_UNSEALED = `INSERT INTO audit_log (occurred_at, actor_type, action, outcome, http_status)
  VALUES (now(), 'anonymous', 'test.seal', 'success', 200) RETURNING id::text AS id`;

/** Runs `work` in a transaction that is always rolled back: nothing it forges stays. */
async function inRolledBackTransaction(work: (runner: QueryRunner) => Promise<void>) {
  const runner = t.dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    await work(runner);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

/** The statement's error message, in a savepoint so the transaction goes on; null when it passed. */
async function refusal(runner: QueryRunner, sql: string, params: unknown[] = []) {
  await runner.query('SAVEPOINT attempt');
  try {
    await runner.query(sql, params);
    await runner.query('RELEASE SAVEPOINT attempt');
    return null;
  } catch (error) {
    await runner.query('ROLLBACK TO SAVEPOINT attempt');
    return (error as Error).message;
  }
}

const verify = () => request(t.server).get('/v1/audit-logs/verify').set(t.auth);

describe('a write is sealed by the timers alone', () => {
  it('within AUDIT_SEAL_MAX_DELAY_MS, and verify counts it as sealed, not pending', async () => {
    const res = await request(t.server).post('/v1/stations').set(t.auth).send(stationBody());
    expect(res.status).toBe(201);
    // Bounded by the setting under test: no flush, no forced seal.
    const sealed = await waitFor(
      'the record sealed',
      async () => {
        const rows = await auditOf(t, res);
        return rows.length === 1 && rows[0].sealSeq !== null ? rows : undefined;
      },
      { timeoutMs: MAX_DELAY_MS, intervalMs: 25 },
    );
    const [row] = sealed ?? [];
    expect(row).toMatchObject({
      action: 'station.created',
      sealSeq: expect.stringMatching(/^\d+$/) as string,
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
    });
    await flushAudit(t);
    const body = (await verify()).body as Record<string, unknown>;
    expect(body).toMatchObject({ valid: true, pending: 0, oldestPendingSeconds: null });
    expect(body.sealed).toBe(body.checked);
  });
});

describe('pending rows', () => {
  it('are counted by verify, with their age, and the chain stays valid', async () => {
    await flushAudit(t);
    const sealer = t.app.get(AuditSealer);
    const before = (await verify()).body as Record<string, number>;
    // The sealer paused (its timers call sealNow): committed records wait, as behind a slow one.
    const paused = jest.spyOn(sealer, 'sealNow').mockResolvedValue(0);
    try {
      const res = await request(t.server).post('/v1/stations').set(t.auth).send(stationBody());
      expect(res.status).toBe(201);
      const [row] = await auditOf(t, res);
      expect(row).toMatchObject({ sealSeq: null, prevHash: null, hash: null });
      const body = (await verify()).body as Record<string, unknown>;
      expect(body).toMatchObject({
        valid: true,
        checked: before.sealed,
        sealed: before.sealed,
        pending: 1,
        oldestPendingSeconds: expect.any(Number) as number,
      });
      // The list shows it pending: no hash yet.
      const list = await request(t.server).get('/v1/audit-logs').query({ limit: 1 }).set(t.auth);
      expect(list.body.data[0]).toMatchObject({ id: row.id, sealSeq: null, hash: null });
    } finally {
      paused.mockRestore();
    }
    await flushAudit(t);
    expect((await verify()).body).toMatchObject({
      valid: true,
      sealed: before.sealed + 1,
      pending: 0,
    });
  });

  it('readiness shows the unsealed count and whether one is overdue', async () => {
    await flushAudit(t);
    await waitFor('the sealer to report none unsealed', async () => {
      const ready = await request(t.server).get('/health/ready');
      const audit = (ready.body as { details?: { audit?: Record<string, unknown> } }).details
        ?.audit;
      return audit?.unsealed === 0 && audit.sealOverdue === false;
    });
  });
});

describe('the append-only trigger allows exactly one seal', () => {
  it('refuses an INSERT that comes sealed (a forged link or position)', async () => {
    await inRolledBackTransaction(async (runner) => {
      for (const columns of [
        [`seal_seq, prev_hash, hash`, `1000000, '${HASH}', '${HASH}'`],
        [`prev_hash, hash`, `'${HASH}', '${HASH}'`],
        [`hash`, `'${HASH}'`],
      ]) {
        const message = await refusal(
          runner,
          `INSERT INTO audit_log (occurred_at, actor_type, action, outcome, http_status, ${columns[0]})
           VALUES (now(), 'anonymous', 'test.forged', 'success', 200, ${columns[1]})`,
        );
        expect({ columns: columns[0], message }).toEqual({
          columns: columns[0],
          message: expect.stringMatching(/inserted unsealed/) as string,
        });
      }
    });
  });

  it('one seal passes; content changed while sealing, a second seal, unsealing and DELETE do not', async () => {
    await inRolledBackTransaction(async (runner) => {
      const [{ id }] = (await runner.query(INSERT_UNSEALED)) as Array<{ id: string }>;
      const append = /audit_log is append-only: (UPDATE|DELETE) is not allowed/;
      // Pending: its content cannot change, with or without a seal, and it cannot go.
      expect(
        await refusal(runner, `UPDATE audit_log SET action = 'test.changed' WHERE id = $1`, [id]),
      ).toMatch(append);
      expect(
        await refusal(
          runner,
          `UPDATE audit_log SET action = 'test.changed', seal_seq = 9000000, prev_hash = $2, hash = $2
            WHERE id = $1`,
          [id, HASH],
        ),
      ).toMatch(append);
      expect(await refusal(runner, 'DELETE FROM audit_log WHERE id = $1', [id])).toMatch(append);
      // Half a seal: the CHECK refuses it.
      expect(
        await refusal(runner, 'UPDATE audit_log SET seal_seq = 9000000 WHERE id = $1', [id]),
      ).toMatch(/audit_log_seal_check/);

      // The seal: only the seal columns, once.
      expect(
        await refusal(
          runner,
          'UPDATE audit_log SET seal_seq = 9000000, prev_hash = $2, hash = $2 WHERE id = $1',
          [id, HASH],
        ),
      ).toBeNull();
      // Sealed: no second seal, no unsealing, no change, no DELETE.
      expect(
        await refusal(
          runner,
          'UPDATE audit_log SET seal_seq = 9000001, prev_hash = $2, hash = $2 WHERE id = $1',
          [id, 'b'.repeat(64)],
        ),
      ).toMatch(append);
      expect(
        await refusal(
          runner,
          'UPDATE audit_log SET seal_seq = NULL, prev_hash = NULL, hash = NULL WHERE id = $1',
          [id],
        ),
      ).toMatch(append);
      expect(
        await refusal(runner, `UPDATE audit_log SET reason = 'x' WHERE id = $1`, [id]),
      ).toMatch(append);
      expect(await refusal(runner, 'DELETE FROM audit_log WHERE id = $1', [id])).toMatch(append);
    });
    await flushAudit(t);
    expect((await verify()).body).toMatchObject({ valid: true, pending: 0 });
  });
});

describe('the seal lock', () => {
  it('is taken by the sealer in its own transaction and released at commit (PGlite too)', async () => {
    const held = () =>
      query<{ n: number }>(
        t,
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`,
        [SEAL_LOCK],
      );
    const res = await request(t.server).post('/v1/stations').set(t.auth).send(stationBody());
    expect(res.status).toBe(201);
    await t.app.get(AuditSealer).sealNow();
    expect((await auditOf(t, res))[0].sealSeq).not.toBeNull();
    // Not held once the sealer committed: the next sealer (any instance) gets it. (A timer's
    // run may be holding it right now, for its own few milliseconds: wait for that, bounded.)
    const released = async () => (await held())[0].n === 0;
    await waitFor('the seal lock released', released, { timeoutMs: 5000, intervalMs: 20 });
    // On PGlite every connection is one session: a try-lock in a transaction that commits is
    // released there too, so a later seal still works.
    await inRolledBackTransaction(async (runner) => {
      const tryLock = async () =>
        (
          (await runner.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
            SEAL_LOCK,
          ])) as Array<{ locked: boolean }>
        )[0].locked;
      // Between a timer's runs (on a server another session may hold it for milliseconds).
      expect(await waitFor('the seal lock', tryLock, { timeoutMs: 5000, intervalMs: 20 })).toBe(
        true,
      );
    });
    await waitFor('the seal lock released', released, { timeoutMs: 5000, intervalMs: 20 });
    const next = await request(t.server).post('/v1/stations').set(t.auth).send(stationBody());
    expect(next.status).toBe(201);
    await flushAudit(t);
    expect((await auditOf(t, next))[0].sealSeq).not.toBeNull();
  });
});

describe('the sealer is background work', () => {
  it("marks every query it sends as the job's (query logs and request query counts tell it apart)", async () => {
    const sent: Array<{ sql: string; background: boolean }> = [];
    const logger = t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (sql, parameters, runner) => {
      sent.push({ sql, background: isBackgroundWork(runner) });
      original(sql, parameters, runner);
    };
    try {
      const res = await request(t.server).post('/v1/stations').set(t.auth).send(stationBody());
      expect(res.status).toBe(201);
      // Whichever run seals it (a timer's or this one), its queries are in `sent`.
      await t.app.get(AuditSealer).sealNow();
      await waitFor('the write sealed', () =>
        sent.some(({ sql }) => sql.startsWith('UPDATE audit_log')),
      );
    } finally {
      logger.logQuery = original;
    }
    const sealers = sent.filter(({ sql }) => /seal_seq|pg_try_advisory_xact_lock/.test(sql));
    expect(sealers.length).toBeGreaterThanOrEqual(3); // lock, unsealed rows, tail, seal, ...
    expect(sealers.filter(({ background }) => !background)).toEqual([]);
  });
});

describe('a seal forged by a client that can write (trigger on) is detected', () => {
  it('a pending row sealed with a wrong link is the first invalid record', async () => {
    await flushAudit(t);
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    let id: string;
    try {
      await runner.startTransaction();
      [{ id }] = (await runner.query(INSERT_UNSEALED)) as Array<{ id: string }>;
      // The trigger allows a seal; only the chain can say whether it is the true one.
      await runner.query(
        `UPDATE audit_log SET seal_seq = (SELECT max(seal_seq) + 1 FROM audit_log),
                prev_hash = $2, hash = $2 WHERE id = $1`,
        [id, HASH],
      );
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    const res = await verify();
    expect(res.body).toMatchObject({ valid: false, firstInvalidId: id });
  });
});
