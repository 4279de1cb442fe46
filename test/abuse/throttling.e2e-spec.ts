import request from 'supertest';
import { CreatedKey, apiKeyHeader, createKey } from '../support/api-keys';
import { waitForAudit } from '../support/audit';
import { TEST_HTTP_ADAPTER } from '../support/http-adapter';
import { countWhere } from '../support/database';
import { Headers, anyIp, fromIp, sequential, statuses, times, uniqueIp } from '../support/http';
import { expectLimitAt, expectThrottled, rateHeader } from '../support/rate-limits';
import { SignedInUser, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Every tier at limit+1, on one app behind a trusted proxy (TRUST_PROXY=loopback): each test
 * speaks from its own X-Forwarded-For address, so per-IP counters start at zero per test, and
 * setup traffic comes from yet other addresses. Limits are small and all different, so a
 * response's X-RateLimit-Limit-<name> shows which limit applied.
 */
const LIMITS = {
  ip: 12,
  viewer: 6,
  operator: 9,
  admin: 30,
  apiKey: 7,
  ownKey: 3,
  loginIp: 4,
  loginFailures: 5,
  registerIp: 3,
  apiKeyIssue: 3,
};

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_IP_PER_MINUTE: String(LIMITS.ip),
    RATE_LIMIT_VIEWER_PER_MINUTE: String(LIMITS.viewer),
    RATE_LIMIT_OPERATOR_PER_MINUTE: String(LIMITS.operator),
    RATE_LIMIT_ADMIN_PER_MINUTE: String(LIMITS.admin),
    RATE_LIMIT_API_KEY_PER_MINUTE: String(LIMITS.apiKey),
    RATE_LIMIT_LOGIN_IP_PER_15_MINUTES: String(LIMITS.loginIp),
    RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: String(LIMITS.loginFailures),
    RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: String(LIMITS.registerIp),
    RATE_LIMIT_API_KEY_ISSUE_PER_HOUR: String(LIMITS.apiKeyIssue),
  });
});
afterAll(() => t.close());

const live = (ip: string, headers: Headers = {}) =>
  request(t.server).get('/health/live').set(fromIp(ip)).set(headers);
const me = (headers: Headers, ip = uniqueIp()) =>
  request(t.server).get('/v1/auth/me').set(fromIp(ip)).set(headers);
const stations = (headers: Headers, ip = uniqueIp()) =>
  request(t.server).get('/v1/stations').set(fromIp(ip)).set(headers);
const login = (body: { email: string; password: string }, ip = uniqueIp()) =>
  request(t.server).post('/v1/auth/login').set(fromIp(ip)).send(body);
const stationCount = () => countWhere(t, 'stations');

describe('per-IP limit, before authentication', () => {
  it('limit+1 -> 429 problem+json with Retry-After and X-RateLimit-*-ip; the budget is shared by every route', async () => {
    const ip = uniqueIp();
    await expectLimitAt('ip', LIMITS.ip, () => live(ip));
    const before = await stationCount();
    // Over the IP limit, even a valid admin token does not get through, on any route.
    const post = await request(t.server)
      .post('/v1/stations')
      .set(fromIp(ip))
      .set(t.auth)
      .send(stationBody());
    const retryAfter = expectThrottled(post, 'ip', LIMITS.ip);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await stationCount()).toBe(before);
  });

  it('failed logins and bad API keys count against the IP limit; past it a bad key gets 429, not 401', async () => {
    const ip = uniqueIp();
    const failedLogins = await sequential(3, () =>
      login({ email: uniqueEmail('nobody'), password: newPassword() }, ip),
    );
    expect(statuses(failedLogins)).toEqual(times(3, 401));
    const badKeys = await sequential(LIMITS.ip - 3, () =>
      stations(apiKeyHeader(`wxk_${'0'.repeat(16)}_${'A'.repeat(43)}`), ip),
    );
    expect(statuses(badKeys)).toEqual(times(LIMITS.ip - 3, 401));
    expect(rateHeader(badKeys.at(-1)!, 'remaining', 'ip')).toBe(0);

    expectThrottled(await stations(apiKeyHeader('wxk_not_a_key'), ip), 'ip', LIMITS.ip);
    expectThrottled(await stations(t.auth, ip), 'ip', LIMITS.ip);
  });

  it('different forwarded addresses are different clients; the 429 is audited with the forwarded address', async () => {
    const exhausted = uniqueIp();
    const other = uniqueIp();
    await expectLimitAt('ip', LIMITS.ip, () => live(exhausted));
    const overs = await sequential(3, () => live(exhausted));
    for (const res of overs) expectThrottled(res, 'ip', LIMITS.ip);

    const fresh = await live(other);
    expect(fresh.status).toBe(200);
    expect(rateHeader(fresh, 'remaining', 'ip')).toBe(LIMITS.ip - 1);

    // 1 (from expectLimitAt) + 3 rejected requests, folded into as few records as the buffer likes.
    const rows = await waitForAudit(t, { action: 'rate_limit.exceeded', clientIp: exhausted }, 1);
    expect(rows.reduce((sum, r) => sum + r.occurrences, 0)).toBe(4);
    for (const row of rows) {
      expect(row).toMatchObject({
        actorType: 'anonymous',
        outcome: 'throttled',
        httpStatus: 429,
        // Refused before the handler (pre-routing-ip.limiter.ts). Express runs it in front of its
        // router, so no route template is known yet; Fastify has matched the route already.
        route: TEST_HTTP_ADAPTER === 'express' ? null : 'GET /health/live',
        details: { limit: 'ip' },
      });
    }
    expect(
      await waitForAudit(t, { action: 'rate_limit.exceeded', clientIp: other }, 0, 0),
    ).toHaveLength(0);
  });
});

describe('sensitive flows, per IP', () => {
  it('login-ip: every login attempt counts, right or wrong; limit+1 -> 429 and no session', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const ip = uniqueIp();
    const sessions = () => countWhere(t, 'auth_sessions', 'user_id = $1', [user.id]);
    const before = await sessions();
    const attempts = [
      { email: user.email, password: user.password },
      { email: uniqueEmail('nobody'), password: newPassword() },
      { email: user.email, password: user.password },
      { email: uniqueEmail('nobody'), password: newPassword() },
    ];
    const results = await sequential(LIMITS.loginIp, (i) => login(attempts[i], ip));
    expect(statuses(results)).toEqual([200, 401, 200, 401]);
    expect(results.map((r) => rateHeader(r, 'remaining', 'login-ip'))).toEqual([3, 2, 1, 0]);
    expect(await sessions()).toBe(before + 2);

    const over = await login({ email: user.email, password: user.password }, ip);
    expectThrottled(over, 'login-ip', LIMITS.loginIp);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(60); // a 15-minute window
    expect(await sessions()).toBe(before + 2);
    // The same account from another address still logs in.
    expect((await login({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('register-ip: limit+1 -> 429 and the account is not created', async () => {
    const ip = uniqueIp();
    const register = (email: string) =>
      request(t.server)
        .post('/v1/auth/register')
        .set(fromIp(ip))
        .send({ email, password: newPassword() });
    await expectLimitAt('register-ip', LIMITS.registerIp, () => register(uniqueEmail()), 201);
    const email = uniqueEmail('late');
    expectThrottled(await register(email), 'register-ip', LIMITS.registerIp);
    expect(await countWhere(t, 'users', 'email = $1', [email])).toBe(0);
    // Another address may still register.
    const elsewhere = await request(t.server)
      .post('/v1/auth/register')
      .set(anyIp())
      .send({ email, password: newPassword() });
    expect(elsewhere.status).toBe(201);
  });
});

describe('failed logins per account', () => {
  it('5 failures from 5 addresses, then 429 even with the right password; no session, other accounts unaffected', async () => {
    const victim = await signedInUser(t, 'operator', { fromAnyIp: true });
    const bystander = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const sessions = () => countWhere(t, 'auth_sessions', 'user_id = $1', [victim.id]);
    const before = await sessions();

    const failures = await sequential(LIMITS.loginFailures, () =>
      login({ email: victim.email, password: newPassword() }),
    );
    expect(statuses(failures)).toEqual(times(LIMITS.loginFailures, 401));

    // Checked before the password is verified: the right password does not help now.
    const locked = await login({ email: victim.email, password: victim.password });
    expect(locked.status).toBe(429);
    expect(locked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(locked.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800); // 15-minute window
    // Any spelling of the address is the same account.
    const upper = await login({ email: victim.email.toUpperCase(), password: victim.password });
    expect(upper.status).toBe(429);
    expect(await sessions()).toBe(before);

    // Success does not count: an account with one failure and many logins is not locked.
    expect((await login({ email: bystander.email, password: newPassword() })).status).toBe(401);
    const ok = await sequential(LIMITS.loginFailures + 1, () =>
      login({ email: bystander.email, password: bystander.password }),
    );
    expect(statuses(ok)).toEqual(times(LIMITS.loginFailures + 1, 200));
    // The locked account's existing session keeps working.
    expect((await me(victim.auth)).status).toBe(200);
  });

  it('wrong current passwords at change-password spend the same budget: then 429 there and at login, password unchanged', async () => {
    const victim = await signedInUser(t, 'operator', { fromAnyIp: true });
    const hashOf = async () =>
      (
        await t.dataSource.query<Array<{ password_hash: string }>>(
          'SELECT password_hash FROM users WHERE id = $1',
          [victim.id],
        )
      )[0].password_hash;
    const before = await hashOf();
    const changePassword = (currentPassword: string) =>
      request(t.server)
        .post('/v1/auth/change-password')
        .set(fromIp(uniqueIp()))
        .set(victim.auth)
        .send({ currentPassword, newPassword: newPassword() });

    const failures = await sequential(LIMITS.loginFailures, () => changePassword(newPassword()));
    expect(statuses(failures)).toEqual(times(LIMITS.loginFailures, 400));
    const locked = await changePassword(victim.password);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect((await login({ email: victim.email, password: victim.password })).status).toBe(429);
    expect(await hashOf()).toBe(before);
  });

  it('a burst of parallel guesses gets no more than the limit through to the password check', async () => {
    const victim = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const burst = LIMITS.loginFailures * 3;
    const results = await Promise.all(
      Array.from({ length: burst }, () => login({ email: victim.email, password: newPassword() })),
    );
    const counts = statuses(results).reduce<Record<number, number>>(
      (acc, status) => ({ ...acc, [status]: (acc[status] ?? 0) + 1 }),
      {},
    );
    expect(counts).toEqual({ 401: LIMITS.loginFailures, 429: burst - LIMITS.loginFailures });
  });
});

describe('per-identity limits, after authentication', () => {
  let viewer: SignedInUser;
  let operator: SignedInUser;
  let admin: SignedInUser;

  beforeAll(async () => {
    [viewer, operator, admin] = [
      await signedInUser(t, 'viewer', { fromAnyIp: true }),
      await signedInUser(t, 'operator', { fromAnyIp: true }),
      await signedInUser(t, 'admin', { fromAnyIp: true }),
    ];
  });

  it('viewer: limit+1 -> 429 whatever address each request comes from', async () => {
    await expectLimitAt('identity', LIMITS.viewer, () => me(viewer.auth));
  });

  it('operator: limit+1 -> 429, and the refused write does not happen', async () => {
    await sequential(LIMITS.operator, () => stations(operator.auth)).then((responses) =>
      expect(statuses(responses)).toEqual(times(LIMITS.operator, 200)),
    );
    const before = await stationCount();
    const over = await request(t.server)
      .post('/v1/stations')
      .set(anyIp())
      .set(operator.auth)
      .send(stationBody());
    expectThrottled(over, 'identity', LIMITS.operator);
    expect(await stationCount()).toBe(before);
  });

  it('admin: limit+1 -> 429', async () => {
    await expectLimitAt('identity', LIMITS.admin, () => me(admin.auth));
  });

  it('limits are independent per user: A exhausted, B fine from the same address', async () => {
    const a = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const b = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const ip = uniqueIp();
    await expectLimitAt('identity', LIMITS.viewer, () => me(a.auth, ip));
    const fine = await me(b.auth, ip);
    expect(fine.status).toBe(200);
    expect(rateHeader(fine, 'remaining', 'identity')).toBe(LIMITS.viewer - 1);
    expect(rateHeader(fine, 'remaining', 'ip')).toBe(LIMITS.ip - LIMITS.viewer - 2);
  });
});

describe('API keys', () => {
  let keyA: CreatedKey;
  let keyB: CreatedKey;
  let ownLimit: CreatedKey;

  beforeAll(async () => {
    const owner = await signedInUser(t, 'operator', { fromAnyIp: true });
    const headers = { ...owner.auth, ...anyIp() };
    keyA = await createKey(t, headers, { scopes: ['stations:read'] });
    keyB = await createKey(t, headers, { scopes: ['stations:read'] });
    ownLimit = await createKey(t, headers, {
      scopes: ['stations:read'],
      rateLimitPerMinute: LIMITS.ownKey,
    });
  });

  it('the default key limit: limit+1 -> 429; key B is fine from the same address', async () => {
    const ip = uniqueIp();
    await expectLimitAt('identity', LIMITS.apiKey, () => stations(keyA.auth, ip));
    const fine = await stations(keyB.auth, ip);
    expect(fine.status).toBe(200);
    expect(rateHeader(fine, 'limit', 'identity')).toBe(LIMITS.apiKey);
    expect(rateHeader(fine, 'remaining', 'identity')).toBe(LIMITS.apiKey - 1);
  });

  it("a key's own rateLimitPerMinute replaces the default", async () => {
    await expectLimitAt('identity', LIMITS.ownKey, () => stations(ownLimit.auth));
  });

  it('api-key-issue: create and rotate share the limit; limit+1 -> 429 on both, nothing issued', async () => {
    const issuer = await signedInUser(t, 'operator', { fromAnyIp: true });
    const created = await request(t.server)
      .post('/v1/api-keys')
      .set(issuer.auth)
      .send({ name: 'k', scopes: ['stations:read'] });
    expect(created.status).toBe(201);
    expect(rateHeader(created, 'remaining', 'api-key-issue')).toBe(LIMITS.apiKeyIssue - 1);
    const rotate = () =>
      request(t.server).post(`/v1/api-keys/${created.body.id}/rotate`).set(issuer.auth);
    const rotations = await sequential(LIMITS.apiKeyIssue - 1, rotate);
    expect(statuses(rotations)).toEqual(times(LIMITS.apiKeyIssue - 1, 201));
    expect(rotations.map((r) => rateHeader(r, 'remaining', 'api-key-issue'))).toEqual([1, 0]);
    const latestKey = (rotations.at(-1)!.body as { key: string }).key;
    const secretBefore = await countWhere(t, 'api_keys', 'owner_id = $1', [issuer.id]);

    expectThrottled(await rotate(), 'api-key-issue', LIMITS.apiKeyIssue);
    expectThrottled(
      await request(t.server)
        .post('/v1/api-keys')
        .set(issuer.auth)
        .send({ name: 'k2', scopes: ['stations:read'] }),
      'api-key-issue',
      LIMITS.apiKeyIssue,
    );
    expect(await countWhere(t, 'api_keys', 'owner_id = $1', [issuer.id])).toBe(secretBefore);
    // The refused rotation did not replace the secret: the latest key still works.
    expect((await stations(apiKeyHeader(latestKey))).status).toBe(200);
    // Other routes are not part of the flow: the operator can still read.
    expect((await stations(issuer.auth)).status).toBe(200);
  });
});
