import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first answer to each Idempotency-Key, per caller, so a retry sent to any instance replays
 * it instead of writing twice. The body is text, not jsonb: a replay sends the same bytes.
 */
export class IdempotencyKeys1763900800000 implements MigrationInterface {
  name = 'IdempotencyKeys1763900800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope varchar(80) NOT NULL,
        key varchar(128) NOT NULL,
        request_hash char(64) NOT NULL,
        response_status smallint,
        response_body text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
