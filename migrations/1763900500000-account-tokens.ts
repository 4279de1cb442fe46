import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail verification and password reset. `users.email_verified_at`: existing accounts count as
 * verified (they were made by an admin, the bootstrap, or a registration that never promised a
 * check; marking them unverified on upgrade would silently turn operators read-only). New
 * registrations start unverified. `account_tokens`: one-time tokens sent by mail, stored as the
 * SHA-256 of a 256-bit random token, for the address they were sent to; a reset token also
 * holds a SHA-256 of the password hash it was issued against, so a changed password voids it.
 */
export class AccountTokens1763900500000 implements MigrationInterface {
  name = 'AccountTokens1763900500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz NULL`);
    await q.query(`UPDATE users SET email_verified_at = created_at`);
    await q.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose varchar(24) NOT NULL
          CHECK (purpose IN ('email-verification', 'password-reset')),
        token_hash bytea NOT NULL,
        email varchar(254) NOT NULL,
        password_binding bytea NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT account_tokens_hash_key UNIQUE (token_hash),
        CONSTRAINT account_tokens_binding_check
          CHECK ((purpose = 'password-reset') = (password_binding IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX account_tokens_user_purpose ON account_tokens (user_id, purpose)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE account_tokens');
    await q.query('ALTER TABLE users DROP COLUMN email_verified_at');
  }
}
