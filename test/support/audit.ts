import type { Response } from 'supertest';
import { FindOptionsWhere } from 'typeorm';
import { AuditBuffer } from '../../src/security/audit/audit-buffer';
import { AuditLogEntry } from '../../src/security/audit/audit-log.entity';
import { AuditSealer } from '../../src/security/audit/audit-sealer';
import { query } from './database';
import type { TestApp } from './test-app';
import { waitFor } from './wait';

/**
 * The audit log as stored. Denials, failures and 429s go through a batching buffer written
 * about once a second, so reads of those wait (bounded) or flush the buffer first.
 */

export type AuditRow = AuditLogEntry;

/** Audit rows matching `where`, oldest first, read straight from the database. */
export function auditRows(
  t: TestApp,
  where: FindOptionsWhere<AuditLogEntry> | FindOptionsWhere<AuditLogEntry>[] = {},
): Promise<AuditRow[]> {
  return t.dataSource.getRepository(AuditLogEntry).find({ where, order: { id: 'ASC' } });
}

/** The records one request produced, found by the X-Request-Id the response carried. */
export function auditOf(t: TestApp, res: Response): Promise<AuditRow[]> {
  const requestId = res.headers['x-request-id'];
  expect(requestId).toEqual(expect.any(String));
  return auditRows(t, { requestId });
}

/**
 * Writes whatever the denial/rate-limit buffer holds right now, then seals every committed
 * record (rows are inserted unsealed; the sealer links them), so hashes and verify are final.
 */
export async function flushAudit(t: TestApp): Promise<void> {
  await t.app.get(AuditBuffer).flush();
  await sealAudit(t);
}

/** Seals every committed record now (the sealer's own timer would within AUDIT_SEAL_MAX_DELAY_MS). */
export async function sealAudit(t: TestApp): Promise<void> {
  const sealer = t.app.get(AuditSealer);
  // Bounded: a run seals a bounded number of batches; another instance may hold the lock.
  await waitFor('every audit record sealed', async () => {
    await sealer.sealNow();
    return (await unsealedCount(t)) === 0;
  });
}

/** Committed audit records not yet sealed. */
export async function unsealedCount(t: TestApp): Promise<number> {
  const rows = await query<{ n: number }>(
    t,
    'SELECT count(*)::int AS n FROM audit_log WHERE seal_seq IS NULL',
  );
  return rows[0].n;
}

/**
 * Waits (up to `timeoutMs`) until at least `count` rows match, then drains the buffer, so the
 * rows returned are all there will be.
 */
export async function waitForAudit(
  t: TestApp,
  where: FindOptionsWhere<AuditLogEntry> | FindOptionsWhere<AuditLogEntry>[],
  count = 1,
  timeoutMs = 3000,
): Promise<AuditRow[]> {
  await waitFor(`${count} audit rows`, async () => (await auditRows(t, where)).length >= count, {
    timeoutMs,
    intervalMs: 50,
    onTimeout: 'return',
  });
  await flushAudit(t);
  return auditRows(t, where);
}

/** Like auditOf, for a record that goes through the buffer (denials, failures, 429s). */
export async function waitForAuditOf(t: TestApp, res: Response): Promise<AuditRow[]> {
  return waitForAudit(t, { requestId: res.headers['x-request-id'] });
}

/** The row's public shape, for toMatchObject against what a test expects. */
export function actorOf(row: AuditRow): Record<string, unknown> {
  return { type: row.actorType, id: row.actorId, role: row.actorRole, method: row.authMethod };
}

/** An audit row as `SELECT *` returns it (column names), for tests that read the table in SQL. */
export interface RawAuditRow {
  action: string;
  outcome: string;
  http_status: number;
  actor_type: string;
  actor_id: string | null;
  route: string | null;
  details: Record<string, unknown> | null;
  occurrences: number;
}

/**
 * Raw audit rows of `action` that match `where` (oldest first), waiting up to 5 s until there
 * are at least `atLeast` of them (or `complete` says so). Unlike waitForAudit it does not
 * flush the buffer.
 */
export async function auditRowsEventually(
  t: TestApp,
  action: string,
  where: (row: RawAuditRow) => boolean = () => true,
  atLeast = 1,
  complete: (rows: RawAuditRow[]) => boolean = (rows) => rows.length >= atLeast,
): Promise<RawAuditRow[]> {
  const read = async () =>
    (
      await query<RawAuditRow>(t, 'SELECT * FROM audit_log WHERE action = $1 ORDER BY id', [action])
    ).filter(where);
  const rows = await waitFor(
    `${action} audit rows`,
    async () => {
      const found = await read();
      return complete(found) ? found : undefined;
    },
    { timeoutMs: 5000, intervalMs: 25, onTimeout: 'return' },
  );
  return rows ?? (await read());
}
