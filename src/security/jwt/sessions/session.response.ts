import { ApiProperty } from '@nestjs/swagger';
import { amrOf } from '../access-token.claims';
import type { AuthSession } from '../auth-session.entity';
import { MAX_LISTED_SESSIONS } from './sessions.service';

/** One of the caller's own sessions, as a "where you are signed in" page shows it. */
export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    format: 'date-time',
    description: 'The last login or token refresh of this session',
  })
  lastUsedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 45, example: '203.0.113.7' })
  clientIp!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 200 })
  userAgent!: string | null;
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: ['pwd', 'otp'] },
    maxItems: 4,
    example: ['pwd', 'otp'],
    description: 'RFC 8176 methods this session proved',
  })
  amr!: string[];
  @ApiProperty({ format: 'date-time', type: String, nullable: true })
  mfaAt!: string | null;
  @ApiProperty({ description: 'The session of the token that made this request' })
  current!: boolean;

  static from(session: AuthSession, currentSessionId: string): SessionResponse {
    return {
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: (session.lastUsedAt ?? session.createdAt).toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      clientIp: session.clientIp,
      userAgent: session.userAgent,
      amr: amrOf(session.mfaAt),
      mfaAt: session.mfaAt?.toISOString() ?? null,
      current: session.id === currentSessionId,
    };
  }
}

export class SessionList {
  @ApiProperty({ type: [SessionResponse], maxItems: MAX_LISTED_SESSIONS })
  data!: SessionResponse[];
}

export class RevokedCount {
  @ApiProperty({ example: 2, minimum: 0, description: 'How many sessions ended' })
  revoked!: number;
}
