import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PrincipalCache, authTag } from '../../common/principal-cache/principal-cache';
import type { Role } from '../../users/user.entity';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';
import { SigningKeyRing } from './keys/signing-key-ring.service';

interface LiveSessionRow {
  role: Role;
  mfa_at: Date | null;
  mfa_enrolled: boolean;
  expires_at: Date;
  key_verify_until: Date | null;
}

/** What a live token's request may rely on: the user's role and MFA state now. */
export interface LiveSession {
  role: Role;
  /** Epoch ms of this session's last second factor, or null. */
  mfaAt: number | null;
  mfaEnrolled: boolean;
}

/**
 * Whether a token's user, session and signing key are still alive, and the user's role now.
 * One query, or none on a warm principal cache: an entry lives until the session ends or the
 * key stops verifying (or the cache's TTL ceiling), and any change to the user, the session or
 * the key drops it before the change's own request answers (see the README, "Revocation").
 */
@Injectable()
export class LiveSessions {
  private readonly cache: PrincipalCache;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ring: SigningKeyRing,
    @Inject(JWT_AUTH_OPTIONS) options: JwtAuthOptions,
  ) {
    this.cache = options.principalCache ?? PrincipalCache.disabled();
  }

  /** The user's current role and MFA state, or undefined when the token must be refused. */
  async check(userId: string, sessionId: string, kid: string): Promise<LiveSession | undefined> {
    const key = `jwt:${userId}:${sessionId}:${kid}`;
    const cached = this.cache.get<LiveSession>(key);
    if (cached !== undefined) return cached;
    const ticket = this.cache.ticket();
    const optionsKey = this.ring.isOptionsKey(kid);
    // The user exists and is enabled, the session is neither revoked nor over, and the signing
    // key is neither revoked nor removed. (The HS256 key from the options is not in the table:
    // changing the secret is what ends its tokens.)
    const rows = await this.dataSource.query<LiveSessionRow[]>(
      `SELECT u.role, s.mfa_at, u.mfa_enabled_at IS NOT NULL AS mfa_enrolled, s.expires_at,
              (SELECT k.verify_until FROM signing_keys k WHERE k.kid = $3) AS key_verify_until
         FROM users u JOIN auth_sessions s ON s.user_id = u.id
        WHERE u.id = $1 AND s.id = $2
          AND u.disabled_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()
          AND ($4 OR EXISTS (
                SELECT 1 FROM signing_keys k
                 WHERE k.kid = $3 AND k.state <> 'revoked'
                   AND (k.verify_until IS NULL OR k.verify_until > now())))`,
      [userId, sessionId, kid, optionsKey],
    );
    const row = rows[0];
    if (!row) return undefined;
    const until = Math.min(
      row.expires_at.getTime(),
      optionsKey ? Infinity : (row.key_verify_until?.getTime() ?? Infinity),
    );
    const tags = [authTag.user(userId), authTag.session(sessionId)];
    if (!optionsKey) tags.push(authTag.signingKey(kid));
    const live: LiveSession = {
      role: row.role,
      mfaAt: row.mfa_at ? new Date(row.mfa_at).getTime() : null,
      mfaEnrolled: row.mfa_enrolled === true,
    };
    // A step-up or a removed factor updates the session or user row: its trigger drops this.
    this.cache.set(key, live, { tags, expiresAt: until }, ticket);
    return live;
  }
}
