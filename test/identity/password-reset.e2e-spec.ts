import request from 'supertest';
import {
  ACCOUNT_MAIL_LIMITS,
  INVALID_TOKEN_TYPE,
  MailedApp,
  accounts,
  expireTokensOf,
  startMailedApp,
} from '../support/accounts';
import { waitForAuditOf } from '../support/audit';
import { query } from '../support/database';
import { anyIp } from '../support/http';
import { enrolMfa } from '../support/mfa';
import { expectProblem, expectUnauthenticated } from '../support/problems';
import {
  SignedInUser,
  login,
  me,
  newPassword,
  refresh,
  signedInUser,
  uniqueEmail,
} from '../support/sign-in';
import { SmtpSink, tokenIn } from '../support/smtp-sink';
import { TestApp, startTestApp } from '../support/test-app';
import { MailQueue } from '../../src/mail/mail-queue';
import { AccountTokensService } from '../../src/security/accounts/account-tokens.service';

/**
 * Password reset (ASVS 6.4.3) over HTTP, the mail read from a real SMTP server on loopback: the
 * whole flow, and the attacks: reuse, expiry, a superseded link, a link after a password
 * change, sessions and refresh tokens from before, enumeration by status, body, code path and
 * (coarsely) time, throttling per address and per client.
 */
const { perEmail: PER_EMAIL, perIp: PER_IP } = ACCOUNT_MAIL_LIMITS;
let mailed: MailedApp;
let sink: SmtpSink;
let t: TestApp;
let mailSettled: () => Promise<void>;

beforeAll(async () => {
  mailed = await startMailedApp();
  ({ t, sink, mailSettled } = mailed);
});
afterAll(() => mailed.close());

/** A person with a session; made without mail, so the sink holds only what a test causes. */
const person = () => signedInUser(t, 'viewer', { via: 'users-service' });
const passwordHashOf = async (id: string) =>
  (await query<{ h: string }>(t, 'SELECT password_hash AS h FROM users WHERE id = $1', [id]))[0].h;

async function resetLink(user: { email: string }, count = 1): Promise<string> {
  expect((await accounts.requestReset(t, user.email, anyIp())).status).toBe(202);
  return tokenIn(await sink.waitFor(user.email, count));
}

describe('password reset (e2e, real SMTP sink)', () => {
  it('the mailed link sets a new password once; every earlier session and refresh token dies; the person is told', async () => {
    const user = await person();
    const second = await login(t, user); // another device
    const token = await resetLink(user);
    const mail = sink.to(user.email)[0];
    expect(mail.subject).toBe('Reset your password');
    expect(token).toMatch(/^wxp_[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(`https://app.weather.test/reset-password#token=${token}`);
    expect(mail.html).toContain(`https://app.weather.test/reset-password#token=${token}`);
    expect(mail.raw).not.toContain(user.password);

    const fresh = newPassword();
    const res = await accounts.confirmReset(t, token, fresh);
    expect(res.status).toBe(204);

    for (const session of [user.session, second]) {
      expectUnauthenticated(await me(t, session.auth));
      expectUnauthenticated(await refresh(t, session.refreshToken));
    }
    const old = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expectUnauthenticated(old);
    await login(t, { email: user.email, password: fresh });

    const notice = await sink.waitFor(user.email, 2);
    expect(notice.subject).toBe('Your password was reset');
    expect(notice.text).not.toMatch(/#token=/);

    const [record] = await waitForAuditOf(t, res);
    expect(record).toMatchObject({ action: 'auth.password.reset', resourceId: user.id });
    expect(JSON.stringify(record)).not.toContain(token);
    expect(JSON.stringify(record)).not.toContain(fresh);
  });

  it('a reset does not bypass MFA (ASVS 6.4.3): with TOTP on, the new password alone gets only an mfaToken', async () => {
    const user = await person();
    await enrolMfa(t, user, user.session);
    const fresh = newPassword();
    await accounts.confirmReset(t, await resetLink(user), fresh).expect(204);
    const res = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: fresh })
      .expect(200);
    expect(res.body).toEqual({
      mfaRequired: true,
      mfaToken: expect.stringMatching(/^wxm_/),
      expiresIn: expect.any(Number),
    });
    const [row] = await query<{ enabled: Date | null }>(
      t,
      'SELECT mfa_enabled_at AS enabled FROM users WHERE id = $1',
      [user.id],
    );
    expect(row.enabled).not.toBeNull();
  });

  it('reuse of a spent link: 400, and the password stays the one it set', async () => {
    const user = await person();
    const token = await resetLink(user);
    await accounts.confirmReset(t, token, newPassword()).expect(204);
    const hash = await passwordHashOf(user.id);
    const again = await accounts.confirmReset(t, token, newPassword());
    expect(expectProblem(again, 400).type).toBe(INVALID_TOKEN_TYPE);
    expect(await passwordHashOf(user.id)).toBe(hash);
  });

  it('two concurrent uses of one link: exactly one sets the password', async () => {
    const user = await person();
    const token = await resetLink(user);
    const answers = await Promise.all([
      accounts.confirmReset(t, token, newPassword()),
      accounts.confirmReset(t, token, newPassword()),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([204, 400]);
  });

  it('an expired link: 400, password and sessions unchanged', async () => {
    const user = await person();
    const token = await resetLink(user);
    await expireTokensOf(t, user.id);
    const hash = await passwordHashOf(user.id);
    expect(expectProblem(await accounts.confirmReset(t, token, newPassword()), 400).type).toBe(
      INVALID_TOKEN_TYPE,
    );
    expect(await passwordHashOf(user.id)).toBe(hash);
    expect((await me(t, user.auth)).status).toBe(200);
  });

  it('a newer request supersedes the earlier link', async () => {
    const user = await person();
    const first = await resetLink(user, 1);
    const second = await resetLink(user, 2);
    const hash = await passwordHashOf(user.id);
    expect(expectProblem(await accounts.confirmReset(t, first, newPassword()), 400).type).toBe(
      INVALID_TOKEN_TYPE,
    );
    expect(await passwordHashOf(user.id)).toBe(hash);
    await accounts.confirmReset(t, second, newPassword()).expect(204);
  });

  it('a link issued before a password change no longer works', async () => {
    const user = await person();
    const token = await resetLink(user);
    const changed = newPassword();
    await request(t.server)
      .post('/v1/auth/change-password')
      .set(user.auth)
      .send({ currentPassword: user.password, newPassword: changed })
      .expect(204);
    const hash = await passwordHashOf(user.id);
    expect(expectProblem(await accounts.confirmReset(t, token, newPassword()), 400).type).toBe(
      INVALID_TOKEN_TYPE,
    );
    expect(await passwordHashOf(user.id)).toBe(hash);
    await login(t, { email: user.email, password: changed });
  });

  it('the new password follows the registration policy; a refused one leaves the link usable', async () => {
    const user = await person();
    const token = await resetLink(user);
    const short = await accounts.confirmReset(t, token, 'short');
    expectProblem(short, 400);
    expect((short.body as { type: string }).type).not.toBe(INVALID_TOKEN_TYPE);
    await accounts.confirmReset(t, token, newPassword()).expect(204);
  });

  it('made-up tokens and a verification token get the one 400', async () => {
    const user = await person();
    for (const token of ['wxp_' + 'A'.repeat(43), 'wxv_' + 'A'.repeat(43), 'garbage']) {
      expect(expectProblem(await accounts.confirmReset(t, token, newPassword()), 400).type).toBe(
        INVALID_TOKEN_TYPE,
      );
    }
    expect((await me(t, user.auth)).status).toBe(200);
  });
});

describe('password reset: nothing tells whether an account exists (e2e)', () => {
  let known: SignedInUser;
  let disabled: SignedInUser;
  beforeAll(async () => {
    known = await person();
    disabled = await person();
    await request(t.server)
      .patch(`/v1/users/${disabled.id}`)
      .set(t.auth)
      .send({ disabled: true })
      .expect(200);
  });

  const ask = (email: string) => accounts.requestReset(t, email, anyIp());
  const shape = (res: request.Response) => ({
    status: res.status,
    body: res.body as unknown,
    type: res.headers['content-type'],
    length: res.headers['content-length'],
  });

  it('known, unknown and disabled addresses: the same status, body and headers; mail only to the known one', async () => {
    await mailSettled();
    const before = sink.messages.length;
    const answers = [
      await ask(known.email),
      await ask(uniqueEmail('nobody')),
      await ask(disabled.email),
    ];
    expect(shape(answers[1])).toEqual(shape(answers[0]));
    expect(shape(answers[2])).toEqual(shape(answers[0]));
    expect(answers[0].status).toBe(202);
    await mailSettled();
    expect(sink.messages.slice(before).map((m) => m.to[0])).toEqual([known.email]);
  });

  it('the same code path runs for both: one issuing statement each, the mail only queued', async () => {
    const issue = jest.spyOn(t.app.get(AccountTokensService), 'issueByEmail');
    const enqueue = jest.spyOn(t.app.get(MailQueue), 'enqueue');
    try {
      await ask(known.email).expect(202);
      await ask(uniqueEmail('nobody')).expect(202);
      expect(issue).toHaveBeenCalledTimes(2);
      expect(issue.mock.calls.map((call) => call.slice(1))).toEqual([
        ['password-reset', 1800],
        ['password-reset', 1800],
      ]);
      expect(enqueue).toHaveBeenCalledTimes(1); // after the statement; never awaited
    } finally {
      issue.mockRestore();
      enqueue.mockRestore();
    }
  });

  it('coarse timing: medians of known and unknown, interleaved, within a generous factor', async () => {
    // Both paths do the same work (previous test); this only catches a gross difference such as
    // an SMTP round trip in the request. No absolute times: the machine may be slow.
    const rounds = 7;
    const people = await Promise.all(Array.from({ length: rounds }, () => person()));
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    for (let i = 0; i < rounds; i += 1) {
      // A new known address each round, so every known request issues a token and queues mail.
      for (const [kind, email] of [
        ['known', people[i].email],
        ['unknown', uniqueEmail('nobody')],
      ] as const) {
        const start = process.hrtime.bigint();
        await ask(email).expect(202);
        times[kind].push(Number(process.hrtime.bigint() - start));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = median(times.known) / median(times.unknown);
    expect(ratio).toBeGreaterThan(1 / 5);
    expect(ratio).toBeLessThan(5);
  });
});

describe('password reset: throttling (e2e)', () => {
  it(`per address: past ${PER_EMAIL} an hour, still 202 but no more mail (whatever the IP)`, async () => {
    const user = await person();
    for (let i = 0; i < PER_EMAIL + 2; i += 1) {
      expect((await accounts.requestReset(t, user.email, anyIp())).status).toBe(202);
    }
    await mailSettled();
    expect(sink.to(user.email)).toHaveLength(PER_EMAIL);
  });

  it(`per client: request ${PER_IP + 1} from one address is a 429, and sends nothing`, async () => {
    const client = anyIp();
    for (let i = 0; i < PER_IP; i += 1) {
      expect((await accounts.requestReset(t, uniqueEmail('spray'), client)).status).toBe(202);
    }
    const user = await person();
    const refused = await accounts.requestReset(t, user.email, client);
    expectProblem(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await mailSettled();
    expect(sink.to(user.email)).toEqual([]);
  });
});

describe('password reset switched off (e2e)', () => {
  let off: TestApp;
  beforeAll(async () => {
    off = await startTestApp({ PASSWORD_RESET_ENABLED: 'false' });
  });
  afterAll(() => off.close());

  it('both routes answer 403', async () => {
    expectProblem(await accounts.requestReset(off, 'someone@test.example'), 403);
    expectProblem(await accounts.confirmReset(off, 'wxp_' + 'A'.repeat(43), newPassword()), 403);
  });
});
