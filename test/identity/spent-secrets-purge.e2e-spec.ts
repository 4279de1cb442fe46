import request from 'supertest';
import { AccountTokensPurger } from '../../src/security/accounts/account-tokens.purger';
import { MfaChallengesPurger } from '../../src/security/mfa/mfa-challenges.purger';
import { accounts, expireTokensOf, MailedApp, startMailedApp } from '../support/accounts';
import { query } from '../support/database';
import { anyIp } from '../support/http';
import { enrolMfa, freshCode } from '../support/mfa';
import { newPassword, signedInUser } from '../support/sign-in';
import { tokenIn } from '../support/smtp-sink';

/**
 * The tables of short-lived secrets stay bounded: used and expired mailed tokens and MFA
 * challenges are purged (each module's purger runs every 10 minutes; the tests run one pass),
 * and a pass leaves every live row, and what it opens, alone.
 */
let m: MailedApp;

beforeAll(async () => {
  m = await startMailedApp();
});
afterAll(() => m.close());

const person = () => signedInUser(m.t, 'viewer', { via: 'users-service' });
const rowsOf = async (table: string, userId: string) =>
  (await query(m.t, `SELECT id FROM ${table} WHERE user_id = $1`, [userId])).length;

async function resetLink(user: { email: string }): Promise<string> {
  await accounts.requestReset(m.t, user.email, anyIp()).expect(202);
  return tokenIn(await m.sink.waitFor(user.email));
}

describe('spent secrets are purged (e2e)', () => {
  it('account tokens: used and expired ones go, a live link stays and still works', async () => {
    const [used, expired, live] = [await person(), await person(), await person()];
    await accounts.confirmReset(m.t, await resetLink(used), newPassword()).expect(204);
    await resetLink(expired);
    await expireTokensOf(m.t, expired.id);
    const liveLink = await resetLink(live);
    for (const user of [used, expired, live])
      expect(await rowsOf('account_tokens', user.id)).toBe(1);

    expect(await m.t.app.get(AccountTokensPurger).purge()).toBeGreaterThanOrEqual(2);

    expect(await rowsOf('account_tokens', used.id)).toBe(0);
    expect(await rowsOf('account_tokens', expired.id)).toBe(0);
    expect(await rowsOf('account_tokens', live.id)).toBe(1);
    await accounts.confirmReset(m.t, liveLink, newPassword()).expect(204);
  });

  it('MFA challenges: used and expired ones go, a live mfaToken stays and still completes the login', async () => {
    const user = await person();
    const { secret } = await enrolMfa(m.t, user, user.session);
    const mfaToken = async () => {
      const res = await request(m.t.server)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      return (res.body as { mfaToken: string }).mfaToken;
    };
    const complete = async (token: string): Promise<number> => {
      const code = await freshCode(m.t, user.id, secret);
      const res = await request(m.t.server)
        .post('/v1/auth/login/mfa')
        .send({ mfaToken: token, code });
      return res.status;
    };

    expect(await complete(await mfaToken())).toBe(200); // used
    await mfaToken();
    await query(m.t, `UPDATE mfa_challenges SET expires_at = now() - interval '1 second'`);
    const live = await mfaToken();
    expect(await rowsOf('mfa_challenges', user.id)).toBe(3);

    expect(await m.t.app.get(MfaChallengesPurger).purge()).toBeGreaterThanOrEqual(2);

    expect(await rowsOf('mfa_challenges', user.id)).toBe(1);
    expect(await complete(live)).toBe(200);
  });
});
