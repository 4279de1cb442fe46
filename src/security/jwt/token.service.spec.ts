import { randomBytes } from 'node:crypto';
import { TestApp, startTestApp } from '../../../test/support/test-app';
import { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { TokenService } from './token.service';

/**
 * TokenService against a real database (the real app on in-memory PGlite, via startTestApp):
 * what the e2e tests cannot see is the outcome it reports, which tells reuse (an audit event)
 * apart from any other unusable token.
 */

let t: TestApp;
let tokens: TokenService;
let users: UsersService;
let user: User;

beforeAll(async () => {
  t = await startTestApp();
  tokens = t.app.get(TokenService);
  users = t.app.get(UsersService);
  user = await users.create(
    `tokens-${randomBytes(4).toString('hex')}@test.example`,
    'a-long-password',
    'operator',
  );
});
afterAll(() => t.close());

async function session(
  id: string,
): Promise<{ revoked_at: Date | null; revoked_reason: string | null }> {
  const rows = await t.dataSource.query<
    { revoked_at: Date | null; revoked_reason: string | null }[]
  >('SELECT revoked_at, revoked_reason FROM auth_sessions WHERE id = $1', [id]);
  return rows[0];
}

function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('TokenService', () => {
  it('startSession issues an access token with the documented claims and a hashed refresh token', async () => {
    const pair = await tokens.startSession(user);
    const claims = claimsOf(pair.accessToken);
    expect(claims).toMatchObject({
      sub: user.id,
      role: 'operator',
      typ: 'access',
      iss: t.config.auth.jwtIssuer,
      aud: t.config.auth.jwtAudience,
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(t.config.auth.accessTtlSeconds);
    expect(pair.refreshToken).toMatch(/^wxr_[A-Za-z0-9_-]{43}$/);
    const stored = await t.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1',
      [claims.sid],
    );
    expect(stored[0].n).toBe(1);
  });

  it('refresh rotates once; a second use reports reuse and revokes the session', async () => {
    const first = await tokens.startSession(user);
    const sid = claimsOf(first.accessToken).sid as string;

    const rotated = await tokens.refresh(first.refreshToken);
    expect(rotated).toMatchObject({ ok: true, userId: user.id, sessionId: sid });

    const reused = await tokens.refresh(first.refreshToken);
    expect(reused).toEqual({ ok: false, reused: true, userId: user.id, sessionId: sid });
    expect(await session(sid)).toMatchObject({ revoked_reason: 'refresh_reuse' });

    // The newest token of the revoked family: unusable, but not reuse.
    const newest = rotated.ok ? rotated.pair.refreshToken : '';
    expect(await tokens.refresh(newest)).toEqual({ ok: false, reused: false, sessionId: sid });
  });

  it('an unknown token is neither ok nor reuse, and names no session', async () => {
    expect(await tokens.refresh(`wxr_${randomBytes(32).toString('base64url')}`)).toEqual({
      ok: false,
      reused: false,
      sessionId: undefined,
    });
  });

  it('a token of a logged-out session is refused without being consumed (never later taken for reuse)', async () => {
    const pair = await tokens.startSession(user);
    const sid = claimsOf(pair.accessToken).sid as string;
    await tokens.revokeSession(sid, 'logout');

    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(await tokens.refresh(pair.refreshToken)).toEqual({
        ok: false,
        reused: false,
        sessionId: sid,
      });
    }
    const used = await t.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1 AND used_at IS NOT NULL',
      [sid],
    );
    expect(used[0].n).toBe(0);
    expect(await session(sid)).toMatchObject({ revoked_reason: 'logout' });
  });

  it('an expired refresh token is refused, not reuse; its session stays alive', async () => {
    const pair = await tokens.startSession(user);
    const sid = claimsOf(pair.accessToken).sid as string;
    await t.dataSource.query(
      "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id = $1",
      [sid],
    );
    expect(await tokens.refresh(pair.refreshToken)).toEqual({
      ok: false,
      reused: false,
      sessionId: sid,
    });
    expect(await session(sid)).toEqual({ revoked_at: null, revoked_reason: null });
  });

  it('revokeAllSessions ends every session of that user and no one else’s', async () => {
    const other = await users.create(
      `other-${randomBytes(4).toString('hex')}@test.example`,
      'a-long-password',
      'viewer',
    );
    const mine = await Promise.all([tokens.startSession(user), tokens.startSession(user)]);
    const theirs = await tokens.startSession(other);

    await tokens.revokeAllSessions(user.id, 'password_changed');

    for (const pair of mine) {
      expect(await session(claimsOf(pair.accessToken).sid as string)).toMatchObject({
        revoked_reason: 'password_changed',
      });
    }
    expect(await session(claimsOf(theirs.accessToken).sid as string)).toEqual({
      revoked_at: null,
      revoked_reason: null,
    });
  });
});
