import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TOTP MFA and sessions people can see: the sealed TOTP secret of each user with the last
 * accepted time step (replay), hashed single-use recovery codes, the short-lived challenges
 * between password and code, and on each session how it was authenticated and from where.
 */
export class MfaAndSessions1763900600000 implements MigrationInterface {
  name = 'MfaAndSessions1763900600000';

  async up(q: QueryRunner): Promise<void> {
    // Set while a confirmed TOTP factor exists: every request reads it with the session.
    await q.query(`ALTER TABLE users ADD COLUMN mfa_enabled_at timestamptz NULL`);
    await q.query(`
      ALTER TABLE auth_sessions
        ADD COLUMN last_used_at timestamptz NULL,
        ADD COLUMN client_ip varchar(45) NULL,
        ADD COLUMN user_agent varchar(200) NULL,
        -- The last time this session proved a second factor (login or step-up); NULL: never.
        ADD COLUMN mfa_at timestamptz NULL`);
    await q.query(`
      CREATE TABLE mfa_totp_factors (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        -- AES-256-GCM (iv | tag | ciphertext), the user id as associated data.
        secret_encrypted bytea NOT NULL,
        -- NULL: enrolment started, not yet confirmed with a code.
        confirmed_at timestamptz NULL,
        -- The RFC 6238 time step of the last accepted code: a code at or below it is refused.
        last_step bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE mfa_recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        -- SHA-256 of a 100-bit random code; the code itself is shown once and never stored.
        code_hash bytea NOT NULL,
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mfa_recovery_codes_hash_key UNIQUE (code_hash)
      )`);
    await q.query(
      `CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id) WHERE used_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        -- SHA-256 of the 256-bit mfaToken given to the client after a correct password.
        token_hash bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        client_ip varchar(45) NULL,
        user_agent varchar(200) NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mfa_challenges_token_hash_key UNIQUE (token_hash)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mfa_challenges');
    await q.query('DROP TABLE mfa_recovery_codes');
    await q.query('DROP TABLE mfa_totp_factors');
    await q.query(`
      ALTER TABLE auth_sessions
        DROP COLUMN last_used_at, DROP COLUMN client_ip, DROP COLUMN user_agent, DROP COLUMN mfa_at`);
    await q.query('ALTER TABLE users DROP COLUMN mfa_enabled_at');
  }
}
