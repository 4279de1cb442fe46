import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (append-only, hash-chained) and hourly usage counters.
 * The trigger makes the log append-only for everyone who connects as the app, including a
 * compromised app; only a schema owner who drops the trigger can change history, and the hash
 * chain then shows where.
 */
export class AuditAndUsage1763900200000 implements MigrationInterface {
  name = 'AuditAndUsage1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz(3) NOT NULL,
        request_id varchar(64) NULL,
        actor_type varchar(16) NOT NULL CHECK (actor_type IN ('user', 'api-key', 'anonymous')),
        actor_id varchar(64) NULL,
        actor_role varchar(16) NULL,
        auth_method varchar(16) NULL,
        action varchar(64) NOT NULL,
        resource_type varchar(32) NULL,
        resource_id varchar(64) NULL,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('success', 'denied', 'invalid', 'throttled', 'error')),
        http_status smallint NOT NULL,
        reason varchar(200) NULL,
        client_ip varchar(64) NULL,
        user_agent varchar(200) NULL,
        route varchar(200) NULL,
        details jsonb NULL,
        occurrences integer NOT NULL DEFAULT 1,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id)`);
    await q.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, id)`);
    await q.query(`CREATE INDEX audit_log_time_idx ON audit_log (occurred_at)`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate
        BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);

    await q.query(`
      CREATE TABLE usage_hourly (
        hour timestamptz NOT NULL,
        identity_type varchar(16) NOT NULL,
        identity_id varchar(64) NOT NULL,
        route varchar(200) NOT NULL,
        requests bigint NOT NULL,
        errors bigint NOT NULL,
        PRIMARY KEY (hour, identity_type, identity_id, route)
      )`);
    await q.query(
      `CREATE INDEX usage_hourly_identity_idx ON usage_hourly (identity_type, identity_id, hour)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usage_hourly`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
  }
}
