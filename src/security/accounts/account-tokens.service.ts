import { Injectable } from '@nestjs/common';
import { newOpaqueToken, sha256 } from '../../common/crypto/secure-token';
import { TransactionContext } from '../../database/transaction-context';
import type { TokenPurpose } from './account-token.entity';

const PREFIX: Record<TokenPurpose, string> = {
  'email-verification': 'wxv_',
  'password-reset': 'wxp_',
};
/** A prefix and 43 base64url characters (256 bits): anything else is refused unread. */
const TOKEN_SHAPE = /^wx[vp]_[A-Za-z0-9_-]{43}$/;

export interface ConsumedToken {
  userId: string;
  email: string;
  passwordBinding: Buffer | null;
}

/**
 * One-time tokens sent by mail: 256 random bits, only their SHA-256 stored, a lifetime, one use.
 * Issuing one deletes the person's earlier unused tokens of that purpose (a newer link
 * supersedes the older), in the same statement that inserts it.
 */
@Injectable()
export class AccountTokensService {
  constructor(private readonly tx: TransactionContext) {}

  /**
   * Issues a token for the enabled account at `email`, if there is one; null otherwise. One
   * statement for both cases (lookup, supersede, insert), so a known and an unknown address
   * run the same query and cost the same: the answer's timing names no account. A reset token
   * stores a SHA-256 of the current password hash: a changed password voids it.
   */
  async issueByEmail(
    email: string,
    purpose: TokenPurpose,
    ttlSeconds: number,
    onlyUnverified = false,
  ): Promise<{ token: string; userId: string } | null> {
    const token = newOpaqueToken(PREFIX[purpose]);
    const rows: Array<{ user_id: string }> = await this.tx.manager.query(
      `WITH target AS (
         SELECT id, password_hash, email FROM users
          WHERE email = $1::varchar AND disabled_at IS NULL
            AND (NOT $5::boolean OR email_verified_at IS NULL)
       ), superseded AS (
         DELETE FROM account_tokens t USING target
          WHERE t.user_id = target.id AND t.purpose = $2::varchar AND t.used_at IS NULL
       )
       INSERT INTO account_tokens (user_id, purpose, token_hash, email, password_binding, expires_at)
       SELECT id, $2::varchar, $3::bytea, email,
              CASE WHEN $2::varchar = 'password-reset' THEN sha256(convert_to(password_hash, 'UTF8')) END,
              now() + make_interval(secs => $4::int)
         FROM target
       RETURNING user_id`,
      [email, purpose, sha256(token), ttlSeconds, onlyUnverified],
    );
    return rows.length === 0 ? null : { token, userId: rows[0].user_id };
  }

  /**
   * Spends a token: one UPDATE marks it used only if it is unused and unexpired, so of two
   * concurrent requests with the same token exactly one gets it. Null for every other case.
   */
  async consume(rawToken: string, purpose: TokenPurpose): Promise<ConsumedToken | null> {
    if (!TOKEN_SHAPE.test(rawToken) || !rawToken.startsWith(PREFIX[purpose])) return null;
    const [rows]: [Array<{ user_id: string; email: string; password_binding: Buffer | null }>] =
      await this.tx.manager.query(
        `UPDATE account_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id, email, password_binding`,
        [sha256(rawToken), purpose],
      );
    const row = rows[0];
    if (!row) return null;
    return { userId: row.user_id, email: row.email, passwordBinding: row.password_binding };
  }

  /** Unused tokens of a user stop working (a new address, a new password). */
  async revokeAll(userId: string): Promise<void> {
    await this.tx.manager.query(
      `DELETE FROM account_tokens WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
  }
}
