import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, login sessions with their refresh tokens, and API keys. */
export class Identity1763900100000 implements MigrationInterface {
  name = 'Identity1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Stored lower-cased, so the unique constraint is case-insensitive.
        email varchar(254) NOT NULL CHECK (email = lower(email)),
        password_hash varchar(255) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        disabled_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email)
      )`);
    await q.query(`
      ALTER TABLE stations
        ADD CONSTRAINT stations_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id)`);
    // One row per login: the refresh-token family. Revoking it ends the session's access
    // tokens too, because every access token names its session and every request checks it.
    await q.query(`
      CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz NULL,
        revoked_reason varchar(32) NULL
      )`);
    await q.query(
      `CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES auth_sessions (id),
        -- SHA-256 of a 256-bit random token; the token itself is never stored.
        token_hash bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash)
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- The non-secret lookup part of wxk_<keyId>_<secret>.
        key_id varchar(32) NOT NULL,
        secret_hash bytea NOT NULL,
        -- After a rotation the old secret works until previous_expires_at (grace period).
        previous_secret_hash bytea NULL,
        previous_expires_at timestamptz NULL,
        name varchar(100) NOT NULL,
        owner_id uuid NOT NULL REFERENCES users (id),
        scopes text[] NOT NULL,
        station_id uuid NULL REFERENCES stations (id) ON DELETE CASCADE,
        rate_limit_per_minute integer NULL CHECK (rate_limit_per_minute > 0),
        expires_at timestamptz NULL,
        revoked_at timestamptz NULL,
        last_used_at timestamptz NULL,
        rotated_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_keys_key_id_key UNIQUE (key_id),
        CONSTRAINT api_keys_scopes_known CHECK (
          scopes <@ ARRAY['stations:read', 'observations:read', 'observations:write']::text[]
          AND cardinality(scopes) > 0)
      )`);
    await q.query(`CREATE INDEX api_keys_owner_idx ON api_keys (owner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE auth_sessions`);
    await q.query(`ALTER TABLE stations DROP CONSTRAINT stations_owner_fk`);
    await q.query(`DROP TABLE users`);
  }
}
