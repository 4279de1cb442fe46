import request from 'supertest';
import { auditOf, waitForAuditOf } from '../support/audit';
import { snapshot } from '../support/database';
import { expectProblem, expectUnauthenticated } from '../support/problems';
import {
  Session,
  TestUser,
  createUser,
  login,
  me,
  refresh,
  signedInUser,
} from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Sessions people can see and end, over HTTP: the list of one's own, ending one, ending all but
 * this one, and an admin ending every session of a user. Each takes effect at once: the very
 * next request with a revoked session's access token is refused, and its refresh token too.
 */

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface ListedSession {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  clientIp: string | null;
  userAgent: string | null;
  amr: string[];
  current: boolean;
}

function sidOf(session: Session): string {
  const claims = JSON.parse(
    Buffer.from(session.accessToken.split('.')[1], 'base64url').toString('utf8'),
  ) as { sid: string };
  return claims.sid;
}

async function loginAs(user: TestUser, userAgent: string): Promise<Session> {
  const res = await request(t.server)
    .post('/v1/auth/login')
    .set('User-Agent', userAgent)
    .send({ email: user.email, password: user.password });
  expect(res.status).toBe(200);
  const { accessToken, refreshToken } = res.body as Session;
  return { accessToken, refreshToken, auth: { Authorization: `Bearer ${accessToken}` } };
}

async function list(session: Session): Promise<ListedSession[]> {
  const res = await request(t.server).get('/v1/auth/sessions').set(session.auth);
  expect(res.status).toBe(200);
  return (res.body as { data: ListedSession[] }).data;
}

describe('GET /v1/auth/sessions', () => {
  it('lists one’s own live sessions with where they came from, and marks the current one', async () => {
    const user = await createUser(t, 'viewer', { via: 'users-service' });
    const laptop = await loginAs(user, 'laptop-browser/1.0');
    const phone = await loginAs(user, 'phone-app/2.0');
    await signedInUser(t, 'viewer', { via: 'users-service' }); // someone else's session

    const sessions = await list(laptop);
    expect(sessions.map((s) => s.id).sort()).toEqual([sidOf(laptop), sidOf(phone)].sort());
    const byId = Object.fromEntries(sessions.map((s) => [s.id, s]));
    expect(byId[sidOf(laptop)]).toMatchObject({
      current: true,
      userAgent: 'laptop-browser/1.0',
      clientIp: expect.stringMatching(/127\.0\.0\.1/),
      amr: ['pwd'],
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
    });
    expect(byId[sidOf(phone)]).toMatchObject({ current: false, userAgent: 'phone-app/2.0' });
    // Nothing secret in the list: no token or hash of any kind.
    expect(JSON.stringify(sessions)).not.toMatch(/wxr_|token|hash/i);

    // A refresh is a use: lastUsedAt moves, and the list still names the same session.
    const before = byId[sidOf(phone)].lastUsedAt;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rotated = await refresh(t, phone.refreshToken);
    expect(rotated.status).toBe(200);
    const after = (await list(laptop)).find((s) => s.id === sidOf(phone));
    expect(Date.parse(after!.lastUsedAt)).toBeGreaterThan(Date.parse(before));

    // A logged-out session is no longer listed.
    await request(t.server).post('/v1/auth/logout').set(phone.auth).expect(204);
    expect((await list(laptop)).map((s) => s.id)).toEqual([sidOf(laptop)]);
  });

  it('is for people: an anonymous caller gets 401', async () => {
    expectUnauthenticated(await request(t.server).get('/v1/auth/sessions'));
  });
});

describe('DELETE /v1/auth/sessions/:id', () => {
  it('ends one of one’s sessions at once: its access and refresh tokens are refused, the others live on', async () => {
    const user = await createUser(t, 'operator', { via: 'users-service' });
    const keep = await login(t, user);
    const lost = await login(t, user);
    expect((await me(t, lost.auth)).status).toBe(200);

    const res = await request(t.server)
      .delete(`/v1/auth/sessions/${sidOf(lost)}`)
      .set(keep.auth);
    expect(res.status).toBe(204);
    expectUnauthenticated(await me(t, lost.auth)); // the very next request
    expectUnauthenticated(await refresh(t, lost.refreshToken));
    expect((await me(t, keep.auth)).status).toBe(200);

    const [record] = await auditOf(t, res);
    expect(record).toMatchObject({
      action: 'auth.session.revoked',
      outcome: 'success',
      actorId: user.id,
      resourceId: sidOf(lost),
    });
    // Once ended, it is gone: a second DELETE is a 404.
    expectProblem(
      await request(t.server)
        .delete(`/v1/auth/sessions/${sidOf(lost)}`)
        .set(keep.auth),
      404,
    );
  });

  it('someone else’s session id is 404, like a missing one, and that session stays alive', async () => {
    const mallory = await signedInUser(t, 'operator', { via: 'users-service' });
    const victim = await signedInUser(t, 'operator', { via: 'users-service' });
    const before = await snapshot(t);
    const res = await request(t.server)
      .delete(`/v1/auth/sessions/${sidOf(victim.session)}`)
      .set(mallory.auth);
    const missing = await request(t.server)
      .delete('/v1/auth/sessions/3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11')
      .set(mallory.auth);
    expect(expectProblem(res, 404).detail).toBe(expectProblem(missing, 404).detail);
    expect(await snapshot(t)).toEqual(before);
    expect((await me(t, victim.auth)).status).toBe(200);
    const [record] = await waitForAuditOf(t, res);
    expect(record).toMatchObject({ action: 'auth.session.revoke.failed', httpStatus: 404 });
  });

  it('a malformed id is a 400 problem', async () => {
    const user = await signedInUser(t, 'viewer', { via: 'users-service' });
    expectProblem(
      await request(t.server).delete('/v1/auth/sessions/not-a-uuid').set(user.auth),
      400,
    );
  });
});

describe('POST /v1/auth/sessions/revoke-others', () => {
  it('ends every other session of the caller, and only theirs', async () => {
    const user = await createUser(t, 'viewer', { via: 'users-service' });
    const here = await login(t, user);
    const others = [await login(t, user), await login(t, user)];
    const bystander = await signedInUser(t, 'viewer', { via: 'users-service' });

    const res = await request(t.server).post('/v1/auth/sessions/revoke-others').set(here.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const other of others) expectUnauthenticated(await me(t, other.auth));
    expect((await me(t, here.auth)).status).toBe(200);
    expect((await me(t, bystander.auth)).status).toBe(200);
    expect((await list(here)).map((s) => s.id)).toEqual([sidOf(here)]);
    const [record] = await auditOf(t, res);
    expect(record).toMatchObject({
      action: 'auth.sessions.others_revoked',
      actorId: user.id,
      details: { revoked: 2 },
    });
  });
});

describe('POST /v1/users/:id/sessions/revoke (admins)', () => {
  it('ends every session of the user at once', async () => {
    const user = await createUser(t, 'operator', { via: 'users-service' });
    const sessions = [await login(t, user), await login(t, user)];
    const res = await request(t.server).post(`/v1/users/${user.id}/sessions/revoke`).set(t.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const session of sessions) {
      expectUnauthenticated(await me(t, session.auth));
      expectUnauthenticated(await refresh(t, session.refreshToken));
    }
    // The user can sign in again: it is their sessions that ended, not the account.
    expect((await me(t, (await login(t, user)).auth)).status).toBe(200);
    const [record] = await auditOf(t, res);
    expect(record).toMatchObject({ action: 'user.sessions.revoked', resourceId: user.id });
  });

  it('a non-admin cannot end someone else’s sessions (403), and nothing changes', async () => {
    const operator = await signedInUser(t, 'operator', { via: 'users-service' });
    const victim = await signedInUser(t, 'viewer', { via: 'users-service' });
    const before = await snapshot(t);
    const res = await request(t.server)
      .post(`/v1/users/${victim.id}/sessions/revoke`)
      .set(operator.auth);
    expectProblem(res, 403);
    expect(await snapshot(t)).toEqual(before);
    expect((await me(t, victim.auth)).status).toBe(200);
  });

  it('an unknown user is 404', async () => {
    expectProblem(
      await request(t.server)
        .post('/v1/users/3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11/sessions/revoke')
        .set(t.auth),
      404,
    );
  });
});
