import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull } from 'typeorm';
import { TransactionContext } from '../../database/transaction-context';
import { User } from '../../users/user.entity';
import { AccessTokenClaims, amrOf } from './access-token.claims';
import { AuthSession } from './auth-session.entity';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';
import { TokenPairResponse } from './dto/token-pair.response';
import { RefreshToken } from './refresh-token.entity';
import { SigningKeyRing } from './keys/signing-key-ring.service';
import { newOpaqueToken, sha256 } from '../../common/crypto/secure-token';

const REFRESH_PREFIX = 'wxr_';

export type RevokeReason =
  | 'logout'
  | 'refresh_reuse'
  | 'password_changed'
  | 'user_disabled'
  | 'all_sessions_ended'
  | 'revoked_by_user'
  | 'revoked_by_admin';

/** Where a login came from and how it was proved, recorded on its session. */
export interface SessionStart {
  clientIp?: string | null;
  userAgent?: string | null;
  /** The login proved a second factor too (TOTP or recovery code). */
  mfa?: boolean;
}

/** Outcome of a refresh attempt, so the caller can audit reuse distinctly from other failures. */
export type RefreshOutcome =
  | { ok: true; pair: TokenPairResponse; userId: string; sessionId: string }
  | { ok: false; reused: boolean; userId?: string; sessionId?: string };

/**
 * Sessions and their tokens: short-lived JWT access tokens, and single-use refresh tokens that
 * rotate on every use. A refresh token presented twice revokes its whole family (RFC 6819
 * 5.2.2.3, OAuth 2.0 Security BCP 4.14).
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly ring: SigningKeyRing,
    private readonly tx: TransactionContext,
    @Inject(JWT_AUTH_OPTIONS) private readonly options: JwtAuthOptions,
  ) {}

  /** A new login: a new session (refresh family) and its first token pair. */
  async startSession(
    user: Pick<User, 'id' | 'role'>,
    start: SessionStart = {},
  ): Promise<TokenPairResponse> {
    return this.tx.run(async (manager) => {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + this.options.refreshTtlSeconds * 1000);
      const mfaAt = start.mfa ? now : null;
      const inserted = await manager.insert(AuthSession, {
        userId: user.id,
        expiresAt,
        lastUsedAt: now,
        clientIp: start.clientIp?.slice(0, 45) ?? null,
        userAgent: start.userAgent?.slice(0, 200) ?? null,
        mfaAt,
      });
      const sessionId = inserted.identifiers[0].id as string;
      return this.issuePair(manager, user, { id: sessionId, expiresAt, mfaAt });
    });
  }

  /**
   * A second factor proved in this session now (step-up, or enrolment just confirmed). Every
   * request reads it from the session row, so it counts at once; tokens issued from now on
   * carry it. Returns the time recorded, or null for a session that is no longer live.
   */
  async recordMfa(sessionId: string): Promise<Date | null> {
    const mfaAt = new Date();
    const result = await this.tx.manager.update(
      AuthSession,
      { id: sessionId, revokedAt: IsNull() },
      { mfaAt },
    );
    return result.affected ? mfaAt : null;
  }

  /** Exchanges a refresh token for a new pair, exactly once. */
  async refresh(rawToken: string): Promise<RefreshOutcome> {
    const hash = sha256(rawToken);
    return this.tx.run(async (manager) => {
      // The conditional UPDATE is the single-use check: of two concurrent refreshes with the
      // same token, only one matches `used_at IS NULL`. A token of an ended session is not
      // consumed: refusing it changes nothing, and it is never mistaken for reuse later.
      const claimed = await manager.query<[Array<{ session_id: string }>, number]>(
        `UPDATE refresh_tokens r SET used_at = now()
           FROM auth_sessions s
          WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now()
            AND s.id = r.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
          RETURNING r.session_id`,
        [hash],
      );
      const sessionId = claimed[0][0]?.session_id;
      if (sessionId === undefined) return this.handleUnusable(manager, hash);

      const session = await manager.findOneBy(AuthSession, { id: sessionId });
      const user = session ? await manager.findOneBy(User, { id: session.userId }) : null;
      if (
        !session ||
        !user ||
        session.revokedAt ||
        session.expiresAt <= new Date() ||
        user.disabledAt
      ) {
        return { ok: false, reused: false, userId: user?.id, sessionId };
      }
      await manager.update(AuthSession, { id: session.id }, { lastUsedAt: new Date() });
      const pair = await this.issuePair(manager, user, session);
      return { ok: true, pair, userId: user.id, sessionId: session.id };
    });
  }

  async revokeSession(sessionId: string, reason: RevokeReason): Promise<void> {
    await this.tx.manager.update(
      AuthSession,
      { id: sessionId, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
  }

  /** Ends every live session of the user; returns how many it ended. */
  async revokeAllSessions(userId: string, reason: RevokeReason): Promise<number> {
    const result = await this.tx.manager.update(
      AuthSession,
      { userId, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
    return result.affected ?? 0;
  }

  /**
   * Emergency (suspected compromise): every session of every user ends. Access tokens die at
   * once on every instance (each request checks its session), refresh tokens with their
   * session. Returns how many sessions it ended.
   */
  async endEverySession(): Promise<number> {
    const result = await this.tx.manager.update(
      AuthSession,
      { revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: 'all_sessions_ended' },
    );
    return result.affected ?? 0;
  }

  /** A token we issued but cannot use: reuse of a rotated one revokes its family. */
  private async handleUnusable(manager: EntityManager, hash: Buffer): Promise<RefreshOutcome> {
    const known = await manager.findOneBy(RefreshToken, { tokenHash: hash });
    if (!known?.usedAt) return { ok: false, reused: false, sessionId: known?.sessionId };
    const session = await manager.findOneBy(AuthSession, { id: known.sessionId });
    await this.revokeSession(known.sessionId, 'refresh_reuse');
    return { ok: false, reused: true, userId: session?.userId, sessionId: known.sessionId };
  }

  private async issuePair(
    manager: EntityManager,
    user: Pick<User, 'id' | 'role'>,
    session: Pick<AuthSession, 'id' | 'expiresAt' | 'mfaAt'>,
  ): Promise<TokenPairResponse> {
    const refreshToken = newOpaqueToken(REFRESH_PREFIX);
    await manager.insert(RefreshToken, {
      sessionId: session.id,
      tokenHash: sha256(refreshToken),
      expiresAt: session.expiresAt,
    });
    // amr and mfa_at come from the session row, so a refreshed token tells the truth about
    // how its session was proved (and a refresh never makes up a second factor).
    const claims: Omit<AccessTokenClaims, 'iss' | 'aud' | 'iat' | 'exp'> = {
      sub: user.id,
      role: user.role,
      sid: session.id,
      jti: randomUUID(),
      typ: 'access',
      amr: amrOf(session.mfaAt),
      ...(session.mfaAt ? { mfa_at: Math.floor(session.mfaAt.getTime() / 1000) } : {}),
    };
    // The key is the ring's current one (or the HS256 key of the options), named by its kid.
    const key = await this.ring.signingKey(manager);
    const accessToken = await this.jwt.signAsync(claims, {
      privateKey: key.signKey as unknown as string, // a KeyObject; the types list string | Buffer
      algorithm: key.alg,
      keyid: key.kid,
    });
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.options.accessTtlSeconds,
    };
  }
}
