import { Injectable } from '@nestjs/common';
import { IsNull, MoreThan, Not } from 'typeorm';
import { TransactionContext } from '../../../database/transaction-context';
import { AuthSession } from '../auth-session.entity';

/** Upper bound of the list: a session per login, and logins are rate limited. */
export const MAX_LISTED_SESSIONS = 100;

/**
 * A person's own live sessions: listed, and ended one by one or all but the current one.
 * Every statement names the owner, so another person's session id matches nothing (404).
 * Ending a session is enough: every request checks its session row (JwtStrategy).
 */
@Injectable()
export class SessionsService {
  constructor(private readonly tx: TransactionContext) {}

  async listLive(userId: string): Promise<AuthSession[]> {
    return this.tx.manager.find(AuthSession, {
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: MAX_LISTED_SESSIONS,
    });
  }

  /** True when it ended a live session of this user; false for anyone else's or a dead one. */
  async revokeOwn(userId: string, sessionId: string): Promise<boolean> {
    const result = await this.tx.manager.update(
      AuthSession,
      { id: sessionId, userId, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: 'revoked_by_user' },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Ends every live session of the user but `keepSessionId`; returns how many. */
  async revokeOthers(userId: string, keepSessionId: string): Promise<number> {
    const result = await this.tx.manager.update(
      AuthSession,
      { userId, id: Not(keepSessionId), revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: 'revoked_by_user' },
    );
    return result.affected ?? 0;
  }
}
