import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { IDEMPOTENCY_OPTIONS, IdempotencyOptions } from './idempotency.options';

export type Claim =
  { kind: 'claimed' } | { kind: 'replay'; status: number; body: string } | { kind: 'mismatch' };

/**
 * The idempotency_keys table, used inside the request's transaction. Claiming inserts the key
 * first: a concurrent request with the same key waits on the primary key until this one commits
 * (then it replays) or rolls back (then it runs). The answer is stored in the same transaction
 * as the change, so a key is never recorded without its change, nor a change without its key.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(IDEMPOTENCY_OPTIONS) private readonly options: IdempotencyOptions) {}

  async claim(
    manager: EntityManager,
    scope: string,
    key: string,
    requestHash: string,
  ): Promise<Claim> {
    // An expired key is taken over in place; a live one is left as it is.
    const claimed = await manager.query<unknown[]>(
      `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, expires_at = EXCLUDED.expires_at,
             response_status = NULL, response_body = NULL, created_at = now()
         WHERE idempotency_keys.expires_at <= now()
       RETURNING 1`,
      [scope, key, requestHash, this.options.ttlSeconds],
    );
    if (claimed.length > 0) return { kind: 'claimed' };
    const [row] = await manager.query<
      Array<{ request_hash: string; response_status: number; response_body: string }>
    >(
      `SELECT request_hash, response_status, response_body FROM idempotency_keys
       WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (!row || row.request_hash !== requestHash) return { kind: 'mismatch' };
    return { kind: 'replay', status: row.response_status, body: row.response_body };
  }

  async complete(
    manager: EntityManager,
    scope: string,
    key: string,
    status: number,
    body: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE idempotency_keys SET response_status = $3, response_body = $4
       WHERE scope = $1 AND key = $2`,
      [scope, key, status, body],
    );
  }

  /** Gives a claimed key back, for an outcome that commits without an answer to replay. */
  async release(manager: EntityManager, scope: string, key: string): Promise<void> {
    await manager.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
  }
}
