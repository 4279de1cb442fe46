import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The JWT signing-key ring, shared by every instance: each key's kid, pinned algorithm and
 * state (next: published, not signing; current: signs; retired: verifies until verify_until;
 * revoked: refused at once). Private keys are stored encrypted (AES-256-GCM, key from the
 * environment), never in clear.
 */
export class SigningKeys1763900400000 implements MigrationInterface {
  name = 'SigningKeys1763900400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE signing_keys (
        kid varchar(64) PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{1,64}$'),
        alg varchar(8) NOT NULL CHECK (alg IN ('ES256')),
        state varchar(8) NOT NULL CHECK (state IN ('next', 'current', 'retired', 'revoked')),
        public_jwk jsonb NOT NULL,
        private_key_encrypted bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz NULL,
        retired_at timestamptz NULL,
        -- Retired keys verify until every token they signed has expired.
        verify_until timestamptz NULL,
        revoked_at timestamptz NULL
      )`);
    // At most one key signs, and at most one waits to: the ring's invariant, kept by the database.
    await q.query(
      `CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state) WHERE state IN ('current', 'next')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE signing_keys');
  }
}
