import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace id of the request an audit record was written for, so a gateway's trace can be
 * joined with the audit trail. Nullable and without a default: adding it rewrites no row (the
 * append-only trigger is not involved) and every existing record keeps its hash, which covers
 * the trace id only when there is one (src/security/audit/audit-hash.ts).
 */
export class AuditTraceId1763900850000 implements MigrationInterface {
  name = 'AuditTraceId1763900850000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN trace_id char(32)`);
    await q.query(
      `ALTER TABLE audit_log ADD CONSTRAINT audit_log_trace_id_check CHECK (trace_id ~ '^[0-9a-f]{32}$')`,
    );
    // GET /v1/audit-logs?traceId=: newest first within one trace; most old rows have none.
    await q.query(
      `CREATE INDEX audit_log_trace_idx ON audit_log (trace_id, id) WHERE trace_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_log_trace_idx`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN trace_id`);
  }
}
