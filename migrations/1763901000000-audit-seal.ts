import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit records are inserted unsealed (no hash yet) in the writer's transaction, without a lock;
 * one sealer at a time chains committed ones in batches (src/security/audit/audit-sealer.ts).
 * Chain order is seal order, `seal_seq`: a lower id can commit after a higher one.
 *
 * The append-only trigger now allows exactly one UPDATE per row, the seal: from unsealed to
 * sealed, setting only the seal columns. Every other UPDATE, every DELETE and TRUNCATE still
 * raise, and an INSERT must be unsealed (a client cannot insert a row with a forged link).
 * Existing rows were sealed in id order: seal_seq is their rank by id, so old chains verify.
 */
export class AuditSeal1763901000000 implements MigrationInterface {
  name = 'AuditSeal1763901000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN seal_seq bigint NULL`);
    // The one rewrite of history this schema allows, by its owner, inside this migration.
    await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`);
    await q.query(`
      UPDATE audit_log a SET seal_seq = r.seq
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM audit_log) r
       WHERE a.id = r.id`);
    await q.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL`);
    // Sealed means all three, unsealed none: no half-sealed row.
    await q.query(`
      ALTER TABLE audit_log ADD CONSTRAINT audit_log_seal_check CHECK (
        (seal_seq IS NULL AND prev_hash IS NULL AND hash IS NULL)
        OR (seal_seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL))`);
    // Verification walks it, the sealer reads the tail from it; unique: one row per position.
    await q.query(`CREATE UNIQUE INDEX audit_log_seal_seq_key ON audit_log (seal_seq)`);
    // What the sealer picks next (and the pending count): small, rows leave it when sealed.
    await q.query(`CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE seal_seq IS NULL`);
    await q.query(SEAL_ONCE_FUNCTION);
    await q.query(`
      CREATE TRIGGER audit_log_insert_unsealed
        BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_log_insert_unsealed ON audit_log`);
    await q.query(APPEND_ONLY_FUNCTION);
    await q.query(`DROP INDEX audit_log_unsealed_idx`);
    await q.query(`DROP INDEX audit_log_seal_seq_key`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_seal_check`);
    // Unsealed rows have no link to keep: refused rather than silently dropped.
    await q.query(`ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN seal_seq`);
  }
}

/**
 * The seal columns; every other column (today's and any added later) must be unchanged by the
 * seal, compared as jsonb so that a new column is covered without editing this function.
 */
const SEAL_ONCE_FUNCTION = `
  CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    seal_columns CONSTANT text[] := ARRAY['seal_seq', 'prev_hash', 'hash'];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      IF NEW.seal_seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit_log: a record is inserted unsealed; only the sealer links it';
      END IF;
      RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.seal_seq IS NULL AND NEW.seal_seq IS NOT NULL
       AND (to_jsonb(NEW) - seal_columns) = (to_jsonb(OLD) - seal_columns) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
  END $$`;

const APPEND_ONLY_FUNCTION = `
  CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
  END $$`;
