import request from 'supertest';
import type { Response } from 'supertest';
import { CreatedKey, createKey, postKey } from '../support/api-keys';
import { RawAuditRow, auditRowsEventually } from '../support/audit';
import { countWhere, expectUnchangedBy, query } from '../support/database';
import { expectProblem, expectUnauthenticated } from '../support/problems';
import { SignedInUser, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: flows that are legitimate one
 * at a time and harmful when automated. Here: guessing one account's password (credential
 * stuffing, brute force), spraying logins across accounts from one client, mass registration of
 * accounts, and farming API keys (each key a fresh rate-limit budget). Each flow has its own,
 * stricter named limit (src/security/throttling: `login-email`, `login-ip`, `register-ip`,
 * `api-key-issue`), answered with 429 + Retry-After, and the blocked attempt changes nothing.
 * Bulk export of observations is bounded per request instead (API4: pages of at most 1000 rows,
 * ranges of at most 31 days) and by the per-identity limit.
 *
 * The limits are set tight for this file; the users it needs are made through the real
 * UsersService (signedInUser with `via: 'users-service'`) so that setting them up spends none
 * of the budgets under test.
 */

const LIMITS = {
  RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: '3',
  RATE_LIMIT_LOGIN_IP_PER_15_MINUTES: '14',
  RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: '2',
  RATE_LIMIT_API_KEY_ISSUE_PER_HOUR: '3',
};

let t: TestApp;
let victim: SignedInUser;
let operator: SignedInUser;

beforeAll(async () => {
  t = await startTestApp(LIMITS);
  victim = await signedInUser(t, 'operator', { via: 'users-service', signIn: false });
  operator = await signedInUser(t, 'operator', { via: 'users-service' });
});
afterAll(() => t.close());

function loginAttempt(email: string, password: string) {
  return request(t.server).post('/v1/auth/login').send({ email, password });
}

function expectThrottled(res: Response): void {
  expectProblem(res, 429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('API6 guessing one account’s password (e2e)', () => {
  it('3 wrong passwords, then the account is locked: even the right password gets 429, no session', async () => {
    for (let i = 0; i < 3; i += 1) {
      expectUnauthenticated(await loginAttempt(victim.email, newPassword()));
    }
    const locked = await expectUnchangedBy(t, () => loginAttempt(victim.email, victim.password));
    expectThrottled(locked);
    // A case variant of the address is the same account, not a fresh budget.
    expectThrottled(await loginAttempt(victim.email.toUpperCase(), victim.password));
    expect(await countWhere(t, 'auth_sessions', 'user_id = $1', [victim.id])).toBe(0);
  });

  it('the lock is per account: another user logs in from the same client', async () => {
    const res = await loginAttempt(operator.email, operator.password);
    expect(res.status).toBe(200);
  });

  it('the failures are in the audit log under a hash of the address, never the address', async () => {
    // Three wrong passwords (401), and the two refusals during the lock (429, folded into one
    // record with occurrences when they land in the same batch of the audit buffer).
    const count = (rows: RawAuditRow[], outcome: string) =>
      rows.filter((row) => row.outcome === outcome).reduce((n, row) => n + row.occurrences, 0);
    const rows = await auditRowsEventually(
      t,
      'auth.login.failed',
      () => true,
      1,
      (found) => count(found, 'denied') >= 3 && count(found, 'throttled') >= 2,
    );
    expect(count(rows, 'denied')).toBe(3);
    expect(count(rows, 'throttled')).toBe(2);
    const text = JSON.stringify(await query(t, 'SELECT * FROM audit_log'));
    expect(text).not.toContain(victim.email);
    expect(rows.every((row) => /^[0-9a-f]{16}$/.test(String(row.details?.emailSha256)))).toBe(true);
  });
});

describe('API6 farming API keys (e2e)', () => {
  let first: CreatedKey;

  it('an operator gets 3 keys an hour; the 4th is 429 and no key row is made', async () => {
    first = await createKey(t, operator.auth, { scopes: ['stations:read'] });
    await createKey(t, operator.auth, { scopes: ['stations:read'] });
    await createKey(t, operator.auth, { scopes: ['stations:read'] });
    const res = await expectUnchangedBy(t, () =>
      postKey(t, operator.auth, { name: 'one more', scopes: ['stations:read'] }),
    );
    expectThrottled(res);
    expect(await countWhere(t, 'api_keys', 'owner_id = $1', [operator.id])).toBe(3);
  });

  it('rotation draws on the same budget: a rotation is refused too and the secret is unchanged', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server).post(`/v1/api-keys/${first.id}/rotate`).set(operator.auth),
    );
    expectThrottled(res);
    await request(t.server).get('/v1/stations').set(first.auth).expect(200);
  });

  it('the budget is per person: the admin still issues a key', async () => {
    await postKey(t, t.auth, { name: 'admin key', scopes: ['stations:read'] }).expect(201);
  });
});

describe('API6 mass registration (e2e)', () => {
  it('2 accounts an hour from one client; the 3rd is 429 and no user row is made', async () => {
    const register = (email: string) =>
      request(t.server).post('/v1/auth/register').send({ email, password: newPassword() });
    expect((await register(uniqueEmail('bulk'))).status).toBe(201);
    expect((await register(uniqueEmail('bulk'))).status).toBe(201);
    const third = uniqueEmail('bulk');
    expectThrottled(await expectUnchangedBy(t, () => register(third)));
    expect(await countWhere(t, 'users', 'email = $1', [third])).toBe(0);
  });

  it('the refusals are recorded as rate_limit.exceeded, naming the limit', async () => {
    const rows = await auditRowsEventually(
      t,
      'rate_limit.exceeded',
      (row) => row.details?.limit === 'register-ip',
    );
    expect(rows[0]).toMatchObject({ outcome: 'throttled', http_status: 429 });
  });
});

describe('API6 login spraying across many accounts from one client (e2e)', () => {
  it('the per-IP login budget runs out whatever the accounts; then every login is 429', async () => {
    const probe = await loginAttempt(uniqueEmail('spray'), newPassword());
    expectUnauthenticated(probe);
    const remaining = Number(probe.headers['x-ratelimit-remaining-login-ip']);
    expect(remaining).toBeGreaterThanOrEqual(0);
    expect(remaining).toBeLessThan(14);
    for (let i = 0; i < remaining; i += 1) {
      expectUnauthenticated(await loginAttempt(uniqueEmail('spray'), newPassword()));
    }
    const sprayed = await expectUnchangedBy(t, () =>
      loginAttempt(uniqueEmail('spray'), newPassword()),
    );
    expectThrottled(sprayed);
    // Counted before authentication: the right password of an unlocked account is refused too.
    expectThrottled(
      await expectUnchangedBy(t, () => loginAttempt(operator.email, operator.password)),
    );
    // Other flows are not part of this budget: the operator's session still works.
    await request(t.server).get('/v1/auth/me').set(operator.auth).expect(200);
  });
});
