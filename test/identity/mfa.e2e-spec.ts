import request from 'supertest';
import {
  MFA_ENROLMENT_REQUIRED_TYPE,
  MFA_REQUIRED_TYPE,
} from '../../src/security/authorization/mfa-required.problem';
import {
  codeAtStep,
  currentStep,
  enrolMfa,
  freshCode,
  loginWithMfa,
  wrongCode,
} from '../support/mfa';
import { expectProblem, expectUnauthenticated, expectValidationProblem } from '../support/problems';
import { snapshot } from '../support/database';
import { Method, call } from '../support/http';
import { registeredRoutes } from '../support/routes';
import { SignedInUser, bearerHeader, me, signedInUser } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * TOTP MFA over HTTP, on the real app: enrolment, the two-step login with a code or a recovery
 * code, replay, brute force against the per-account budget, the mfaToken's limits, step-up on
 * @RequiresMfa routes, and turning it off. Codes are made from the secret with otplib, as an
 * authenticator app makes them.
 */

const FAILURE_BUDGET = 4;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: String(FAILURE_BUDGET) });
});
afterAll(() => t.close());

function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

function login(user: { email: string; password: string }) {
  return request(t.server)
    .post('/v1/auth/login')
    .send({ email: user.email, password: user.password });
}

function loginMfa(body: object) {
  return request(t.server).post('/v1/auth/login/mfa').send(body);
}

async function mfaTokenOf(user: { email: string; password: string }): Promise<string> {
  const res = await login(user);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    mfaRequired: true,
    mfaToken: expect.stringMatching(/^wxm_/),
    expiresIn: 300,
  });
  return (res.body as { mfaToken: string }).mfaToken;
}

async function sessionCount(userId: string): Promise<number> {
  const rows = await t.dataSource.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1',
    [userId],
  );
  return rows[0].n;
}

/** A signed-in operator with MFA on (enrolled in a password-only session). */
async function enrolledOperator(): Promise<
  SignedInUser & { secret: string; recoveryCodes: string[] }
> {
  const user = await signedInUser(t, 'operator', { via: 'users-service' });
  const enrolled = await enrolMfa(t, user, user.session);
  return { ...user, ...enrolled };
}

describe('enrolment', () => {
  it('needs the password, seals the secret, and confirms with a code into ten hashed recovery codes', async () => {
    const user = await signedInUser(t, 'viewer', { via: 'users-service' });
    const wrong = await request(t.server)
      .post('/v1/auth/mfa/totp')
      .set(user.auth)
      .send({ password: 'not-the-password' });
    expect(expectValidationProblem(wrong)).toEqual(['password']);

    const started = await request(t.server)
      .post('/v1/auth/mfa/totp')
      .set(user.auth)
      .send({ password: user.password });
    expect(started.status).toBe(201);
    const { secret, otpauthUrl } = started.body as { secret: string; otpauthUrl: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe(t.config.mfa.totpIssuer);

    // At rest: sealed, neither the base32 text nor its bytes appear.
    const [row] = await t.dataSource.query<
      { secret_encrypted: Buffer; confirmed_at: Date | null }[]
    >('SELECT secret_encrypted, confirmed_at FROM mfa_totp_factors WHERE user_id = $1', [user.id]);
    expect(row.confirmed_at).toBeNull();
    expect(row.secret_encrypted.includes(Buffer.from(secret))).toBe(false);

    // Pending is not on: the login still answers tokens.
    expect((await login(user)).body).toHaveProperty('accessToken');

    const bad = await request(t.server)
      .post('/v1/auth/mfa/totp/confirm')
      .set(user.auth)
      // A real code of the secret, but five steps ahead: outside the ±1 window.
      .send({ code: await codeAtStep(secret, currentStep() + 5) });
    expect(expectValidationProblem(bad)).toEqual(['code']);

    const confirmed = await request(t.server)
      .post('/v1/auth/mfa/totp/confirm')
      .set(user.auth)
      .send({ code: await freshCode(t, user.id, secret) });
    expect(confirmed.status).toBe(200);
    const codes = (confirmed.body as { recoveryCodes: string[] }).recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$/);
    const stored = await t.dataSource.query<{ code_hash: Buffer }[]>(
      'SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1',
      [user.id],
    );
    expect(stored).toHaveLength(10);
    for (const { code_hash } of stored) {
      expect(code_hash).toHaveLength(32); // SHA-256, never the code
      for (const code of codes) expect(code_hash.includes(Buffer.from(code))).toBe(false);
    }

    // Shown once: neither the secret nor a recovery code is in the audit log.
    const audit = JSON.stringify(
      await t.dataSource.query('SELECT * FROM audit_log WHERE actor_id = $1', [user.id]),
    );
    expect(audit).toContain('auth.mfa.enabled');
    for (const secretValue of [secret, ...codes]) expect(audit).not.toContain(secretValue);

    // On now: a second enrolment is refused, and the factor stays as it was.
    const again = await request(t.server)
      .post('/v1/auth/mfa/totp')
      .set(user.auth)
      .send({ password: user.password });
    expectProblem(again, 409);
    const [after] = await t.dataSource.query<{ secret_encrypted: Buffer }[]>(
      'SELECT secret_encrypted FROM mfa_totp_factors WHERE user_id = $1',
      [user.id],
    );
    expect(after.secret_encrypted.equals(row.secret_encrypted)).toBe(true);
  });

  it('refuses people who are not signed in and API-less callers alike (401)', async () => {
    expectUnauthenticated(
      await request(t.server).post('/v1/auth/mfa/totp').send({ password: 'x' }),
    );
    expectUnauthenticated(
      await request(t.server).post('/v1/auth/mfa/step-up').send({ code: '123456' }),
    );
  });
});

describe('login with MFA on', () => {
  it('answers an mfaToken and no session after the password; the code completes it with amr pwd+otp', async () => {
    const user = await enrolledOperator();
    const before = await sessionCount(user.id);
    const mfaToken = await mfaTokenOf(user);
    expect(await sessionCount(user.id)).toBe(before);

    const done = await loginMfa({ mfaToken, code: await freshCode(t, user.id, user.secret) });
    expect(done.status).toBe(200);
    const { accessToken } = done.body as { accessToken: string };
    const claims = claimsOf(accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(claims.mfa_at).toEqual(expect.any(Number));
    expect((await me(t, bearerHeader(accessToken))).status).toBe(200);
    expect(await sessionCount(user.id)).toBe(before + 1);

    // The session enrolled with the password alone says so.
    expect(claimsOf(user.session.accessToken).amr).toEqual(['pwd']);
  });

  it('the mfaToken is single use, expires, and is not a bearer token', async () => {
    const user = await enrolledOperator();
    const mfaToken = await mfaTokenOf(user);
    expectUnauthenticated(await me(t, bearerHeader(mfaToken)));

    expect(
      (await loginMfa({ mfaToken, code: await freshCode(t, user.id, user.secret) })).status,
    ).toBe(200);
    const reused = await loginMfa({ mfaToken, recoveryCode: user.recoveryCodes[0] });
    expectUnauthenticated(reused);
    // The refused attempt consumed nothing: the recovery code still works with a new token.
    const fresh = await mfaTokenOf(user);
    expect((await loginMfa({ mfaToken: fresh, recoveryCode: user.recoveryCodes[0] })).status).toBe(
      200,
    );

    const expiring = await mfaTokenOf(user);
    await t.dataSource.query(
      "UPDATE mfa_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND used_at IS NULL",
      [user.id],
    );
    expectUnauthenticated(
      await loginMfa({ mfaToken: expiring, recoveryCode: user.recoveryCodes[1] }),
    );
    const unused = await t.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [user.id],
    );
    expect(unused[0].n).toBe(9);

    // A made-up token of the right shape: the same 401.
    expectUnauthenticated(await loginMfa({ mfaToken: `wxm_${'A'.repeat(43)}`, code: '123456' }));
  });

  it('a recovery code signs in once; the second use is refused', async () => {
    const user = await enrolledOperator();
    const [code] = user.recoveryCodes;
    const first = await loginMfa({
      mfaToken: await mfaTokenOf(user),
      recoveryCode: code.toLowerCase(),
    });
    expect(first.status).toBe(200);
    expect(claimsOf((first.body as { accessToken: string }).accessToken).amr).toEqual([
      'pwd',
      'otp',
    ]);
    const second = await loginMfa({ mfaToken: await mfaTokenOf(user), recoveryCode: code });
    expectUnauthenticated(second);
  });

  it('a code is accepted once: replaying it, even at once, is refused', async () => {
    const user = await enrolledOperator();
    const code = await freshCode(t, user.id, user.secret);
    const tokens = [await mfaTokenOf(user), await mfaTokenOf(user)];
    const answers = await Promise.all(tokens.map((mfaToken) => loginMfa({ mfaToken, code })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
    // And sequentially, with yet another token.
    expectUnauthenticated(await loginMfa({ mfaToken: await mfaTokenOf(user), code }));
  });

  it('needs exactly one of code and recoveryCode, in their formats', async () => {
    const user = await enrolledOperator();
    const mfaToken = await mfaTokenOf(user);
    expectProblem(await loginMfa({ mfaToken }), 400);
    expectProblem(
      await loginMfa({ mfaToken, code: '123456', recoveryCode: user.recoveryCodes[0] }),
      400,
    );
    expectProblem(await loginMfa({ mfaToken, code: '12345' }), 400);
    expectProblem(await loginMfa({ mfaToken, code: '123456', extra: true }), 400);
  });

  it('wrong codes spend the account’s login failure budget, then even the right code is refused (429)', async () => {
    const user = await enrolledOperator();
    const mfaToken = await mfaTokenOf(user);
    const right = await freshCode(t, user.id, user.secret);
    const wrong = await wrongCode(user.secret);
    for (let i = 0; i < FAILURE_BUDGET; i += 1) {
      expectUnauthenticated(await loginMfa({ mfaToken, code: wrong }));
    }
    expectProblem(await loginMfa({ mfaToken, code: right }), 429);
    // The password itself is locked too: one budget per account.
    expectProblem(await login(user), 429);
    const sessions = await sessionCount(user.id);
    expect(sessions).toBe(1); // only the enrolment session
  });
});

describe('step-up on @RequiresMfa routes', () => {
  function createKey(auth: Record<string, string>) {
    return request(t.server)
      .post('/v1/api-keys')
      .set(auth)
      .send({ name: 'step-up test', scopes: ['stations:read'] });
  }

  async function keysOf(userId: string): Promise<number> {
    const rows = await t.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM api_keys WHERE owner_id = $1',
      [userId],
    );
    return rows[0].n;
  }

  it('refuses an enrolled person without a recent MFA (403 mfa-required), and accepts after step-up', async () => {
    const user = await enrolledOperator();
    const session = await loginWithMfa(t, user, user.secret);
    expect((await createKey(session.auth)).status).toBe(201);

    // Time passes: the session's MFA is older than MFA_STEP_UP_MAX_AGE_SECONDS.
    const sid = claimsOf(session.accessToken).sid as string;
    await t.dataSource.query(
      `UPDATE auth_sessions SET mfa_at = now() - make_interval(secs => $2) WHERE id = $1`,
      [sid, t.config.mfa.stepUpMaxAgeSeconds + 1],
    );
    const stale = await createKey(session.auth);
    const problem = expectProblem(stale, 403);
    expect(problem.type).toBe(MFA_REQUIRED_TYPE);
    expect(problem.detail).toMatch(/step-up/);
    expect(await keysOf(user.id)).toBe(1);

    const wrong = await request(t.server)
      .post('/v1/auth/mfa/step-up')
      .set(session.auth)
      .send({ code: await wrongCode(user.secret) });
    expectProblem(wrong, 400);
    expectProblem(await createKey(session.auth), 403);

    const stepped = await request(t.server)
      .post('/v1/auth/mfa/step-up')
      .set(session.auth)
      .send({ recoveryCode: user.recoveryCodes[3] });
    expect(stepped.status).toBe(200);
    expect(stepped.body).toEqual({ mfaAt: expect.any(String) });
    expect((await createKey(session.auth)).status).toBe(201);
    expect(await keysOf(user.id)).toBe(2);
  });

  it('a session of an enrolled person that never proved MFA is refused on those routes', async () => {
    const user = await enrolledOperator();
    // As a session from before the enrolment is: password only.
    await t.dataSource.query('UPDATE auth_sessions SET mfa_at = NULL WHERE user_id = $1', [
      user.id,
    ]);
    const refused = await createKey(user.auth);
    expect(expectProblem(refused, 403).type).toBe(MFA_REQUIRED_TYPE);
    expect(await keysOf(user.id)).toBe(0);
  });

  it('a person without MFA has nothing to step up with: the route stays as it was', async () => {
    const user = await signedInUser(t, 'operator', { via: 'users-service' });
    expect((await createKey(user.auth)).status).toBe(201);
  });

  it.each(['/v1/audit-logs', '/v1/security/alerts'])(
    '%s (who did what) is a @RequiresMfa route for an enrolled admin',
    async (path) => {
      const admin = await signedInUser(t, 'admin', { via: 'users-service' });
      const { secret } = await enrolMfa(t, admin, admin.session);
      expect((await request(t.server).get(path).set(admin.auth)).status).toBe(200);
      await t.dataSource.query(
        `UPDATE auth_sessions SET mfa_at = now() - interval '1 day' WHERE user_id = $1`,
        [admin.id],
      );
      const refused = await request(t.server).get(path).set(admin.auth);
      expect(expectProblem(refused, 403).type).toBe(MFA_REQUIRED_TYPE);
      const stepped = await request(t.server)
        .post('/v1/auth/mfa/step-up')
        .set(admin.auth)
        .send({ code: await freshCode(t, admin.id, secret) });
      expect(stepped.status).toBe(200);
      expect((await request(t.server).get(path).set(admin.auth)).status).toBe(200);
    },
  );

  it('every @RequiresMfa route refuses a stale second factor over HTTP, and changes nothing', async () => {
    // The inventory (test/security/api5) says which routes carry the decorator; this proves
    // each of them refuses: key creation, rotation and revocation, role changes and disabling,
    // ending someone's sessions, the audit log and the alerts.
    const admin = await signedInUser(t, 'admin', { via: 'users-service' });
    await enrolMfa(t, admin, admin.session);
    const key = await createKey(admin.auth).expect(201);
    const keyId = (key.body as { id: string }).id;
    const target = await signedInUser(t, 'viewer', { via: 'users-service' });
    await t.dataSource.query(
      `UPDATE auth_sessions SET mfa_at = now() - interval '1 day' WHERE user_id = $1`,
      [admin.id],
    );
    const bodies: Record<string, object> = {
      'POST /v1/api-keys': { name: 'stale', scopes: ['stations:read'] },
      'PATCH /v1/users/:id': { role: 'operator', disabled: true },
    };
    const routes = registeredRoutes(t.app).filter((r) => r.policy.requiresMfa);
    expect(routes.length).toBeGreaterThanOrEqual(8);
    const before = await snapshot(t);
    for (const route of routes) {
      const id = route.path.startsWith('/v1/users') ? target.id : keyId;
      const res = await call(
        t,
        route.method as Method,
        route.path.replace(':id', id),
        admin.auth,
        bodies[route.name],
      );
      expect({ route: route.name, status: res.status }).toEqual({ route: route.name, status: 403 });
      expect((res.body as { type: string }).type).toBe(MFA_REQUIRED_TYPE);
    }
    const after = await snapshot(t);
    expect(after.users).toEqual(before.users);
    expect(after.apiKeys).toEqual(before.apiKeys);
    expect((await me(t, target.auth)).status).toBe(200);
  });
});

describe('turning MFA off', () => {
  it('needs a right code; then the password alone signs in again', async () => {
    const user = await enrolledOperator();
    const wrong = await request(t.server)
      .delete('/v1/auth/mfa/totp')
      .set(user.auth)
      .send({ recoveryCode: 'AAAAA-AAAAA-AAAAA-AAAAA' });
    expect(expectValidationProblem(wrong)).toEqual(['recoveryCode']);
    expect(await mfaTokenOf(user)).toMatch(/^wxm_/);

    const off = await request(t.server)
      .delete('/v1/auth/mfa/totp')
      .set(user.auth)
      .send({ code: await freshCode(t, user.id, user.secret) });
    expect(off.status).toBe(204);
    expect((await login(user)).body).toHaveProperty('accessToken');
    const left = await t.dataSource.query<{ n: number }[]>(
      `SELECT (SELECT count(*) FROM mfa_totp_factors WHERE user_id = $1)
            + (SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1) AS n`,
      [user.id],
    );
    expect(Number(left[0].n)).toBe(0);
  });
});

describe('MFA_REQUIRED_FOR_ADMINS=true', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ MFA_REQUIRED_FOR_ADMINS: 'true' });
  });
  afterAll(() => strict.close());

  it('an admin without MFA is refused on admin-only routes until signed in with it; enrolment stays open', async () => {
    const admin = await signedInUser(strict, 'admin', { via: 'users-service' });
    const refused = await request(strict.server).get('/v1/users').set(admin.auth);
    expect(expectProblem(refused, 403).type).toBe(MFA_ENROLMENT_REQUIRED_TYPE);
    expect((await me(strict, admin.auth)).status).toBe(200);

    // Enrolling proves a code in this session: the admin routes open.
    const { secret } = await enrolMfa(strict, admin, admin.session);
    expect((await request(strict.server).get('/v1/users').set(admin.auth)).status).toBe(200);
    const signedInWithMfa = await loginWithMfa(strict, admin, secret);
    expect((await request(strict.server).get('/v1/users').set(signedInWithMfa.auth)).status).toBe(
      200,
    );
    // Other people are not concerned by the setting.
    const operator = await signedInUser(strict, 'operator', { via: 'users-service' });
    expect(
      (
        await request(strict.server)
          .post('/v1/api-keys')
          .set(operator.auth)
          .send({ name: 'no mfa', scopes: ['stations:read'] })
      ).status,
    ).toBe(201);
  });
});
