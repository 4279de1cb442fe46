import { randomBytes } from 'node:crypto';
import { countWhere, query, snapshot } from '../support/database';
import { expectStatus } from '../support/http';
import { expectUnauthenticated } from '../support/problems';
import {
  Session,
  TestUser,
  bearerHeader,
  createUser,
  login,
  logout,
  me,
  refresh,
} from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Refresh tokens: single use, rotated on every refresh, and a reused one ends its whole family
 * (the session): its newest refresh token and every access token of the session stop working.
 */

let t: TestApp;
let user: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  user = await createUser(t, 'operator');
});
afterAll(() => t.close());

async function refreshOk(refreshToken: string): Promise<Session> {
  const res = await refresh(t, refreshToken);
  expectStatus(res, 200);
  const { accessToken, refreshToken: next } = res.body as Session;
  return { accessToken, refreshToken: next, auth: bearerHeader(accessToken) };
}

async function sessionRow(session: Session): Promise<Record<string, unknown>> {
  const sid = JSON.parse(
    Buffer.from(session.accessToken.split('.')[1], 'base64url').toString('utf8'),
  ) as { sid: string };
  const [row] = await query(t, 'SELECT * FROM auth_sessions WHERE id = $1', [sid.sid]);
  return row;
}

describe('refresh token rotation (e2e)', () => {
  it('a refresh gives a new pair in the same session; the new access token works', async () => {
    const first = await login(t, user);
    const second = await refreshOk(first.refreshToken);

    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.refreshToken).toMatch(/^wxr_[A-Za-z0-9_-]{43}$/);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await sessionRow(second)).id).toBe((await sessionRow(first)).id);
    expectStatus(await me(t, second.auth), 200);
    // The used token is marked, the new one is not.
    const { id: sessionId } = await sessionRow(first);
    expect(
      await countWhere(t, 'refresh_tokens', 'session_id = $1 AND used_at IS NOT NULL', [sessionId]),
    ).toBe(1);
    expect(
      await countWhere(t, 'refresh_tokens', 'session_id = $1 AND used_at IS NULL', [sessionId]),
    ).toBe(1);
  });

  it('stores refresh tokens only as hashes', async () => {
    const session = await login(t, user);
    const rows = await query<{ row: string }>(t, 'SELECT r::text AS row FROM refresh_tokens r');
    const text = rows.map((r) => r.row).join('\n');
    expect(rows.length).toBeGreaterThan(0);
    expect(text).not.toContain(session.refreshToken);
    expect(text).not.toContain(session.refreshToken.slice(4));
  });

  it('reusing a used refresh token -> 401 and revokes the family: newest refresh and all access tokens of the session fail', async () => {
    const other = await login(t, user); // a second session of the same user
    const first = await login(t, user);
    const second = await refreshOk(first.refreshToken);
    const third = await refreshOk(second.refreshToken);

    expectUnauthenticated(await refresh(t, first.refreshToken)); // reuse: a stolen, already rotated token

    const revoked = await sessionRow(first);
    expect(revoked.revoked_at).not.toBeNull();
    expect(revoked.revoked_reason).toBe('refresh_reuse');
    const before = await snapshot(t);
    expectUnauthenticated(await refresh(t, third.refreshToken)); // the legitimate newest one
    for (const session of [first, second, third]) expectUnauthenticated(await me(t, session.auth));
    expect(await snapshot(t)).toEqual(before);

    // The user's other session is untouched.
    expect((await sessionRow(other)).revoked_at).toBeNull();
    expectStatus(await me(t, other.auth), 200);
    const next = await refreshOk(other.refreshToken);
    expectStatus(await me(t, next.auth), 200);
  });

  it('two concurrent refreshes with one token: exactly one wins', async () => {
    const session = await login(t, user);
    const results = await Promise.all([
      refresh(t, session.refreshToken),
      refresh(t, session.refreshToken),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expectUnauthenticated(results.find((r) => r.status === 401)!);
    expect(
      await countWhere(t, 'refresh_tokens', 'session_id = $1', [(await sessionRow(session)).id]),
    ).toBe(2);
  });
});

describe('refresh tokens that must not work (e2e)', () => {
  it.each([
    ['an unknown token of the right shape', () => `wxr_${randomBytes(32).toString('base64url')}`],
    ['garbage', () => 'not-a-refresh-token'],
    ['a token with SQL in it', () => "wxr_' OR '1'='1"],
  ])('%s -> 401, nothing changed', async (_name, token) => {
    const before = await snapshot(t);
    expectUnauthenticated(await refresh(t, token()));
    expect(await snapshot(t)).toEqual(before);
  });

  it('an access token sent as a refresh token -> rejected, nothing changed', async () => {
    const session = await login(t, user);
    const before = await snapshot(t);
    const res = await refresh(t, session.accessToken);
    expect([400, 401]).toContain(res.status);
    expect(await snapshot(t)).toEqual(before);
  });

  it('an expired refresh token -> 401, not treated as reuse: the session stays alive', async () => {
    const session = await login(t, user);
    const { id: sessionId } = await sessionRow(session);
    await t.dataSource.query(
      "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id = $1",
      [sessionId],
    );
    const before = await snapshot(t);

    expectUnauthenticated(await refresh(t, session.refreshToken));

    expect(await snapshot(t)).toEqual(before);
    expectStatus(await me(t, session.auth), 200);
  });

  it('a refresh token of an expired session -> 401, nothing changed', async () => {
    const session = await login(t, user);
    const { id: sessionId } = await sessionRow(session);
    await t.dataSource.query(
      "UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = $1",
      [sessionId],
    );
    const before = await snapshot(t);
    expectUnauthenticated(await refresh(t, session.refreshToken));
    expectUnauthenticated(await me(t, session.auth));
    expect(await snapshot(t)).toEqual(before);
  });

  it('after logout the refresh token -> 401 and is not consumed (nothing changed)', async () => {
    const session = await login(t, user);
    expectStatus(await logout(t, session.auth), 204);
    const before = await snapshot(t);
    expectUnauthenticated(await refresh(t, session.refreshToken));
    expectUnauthenticated(await refresh(t, session.refreshToken));
    expect(await snapshot(t)).toEqual(before);
    expect((await sessionRow(session)).revoked_reason).toBe('logout');
  });
});
