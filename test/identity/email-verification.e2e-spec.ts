import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { postKey } from '../support/api-keys';
import {
  ACCOUNT_MAIL_LIMITS,
  INVALID_TOKEN_TYPE,
  MailedApp,
  NOT_VERIFIED_TYPE,
  accounts,
  expireTokensOf,
  register,
  startMailedApp,
} from '../support/accounts';
import { waitForAuditOf } from '../support/audit';
import { query } from '../support/database';
import { anyIp } from '../support/http';
import { expectProblem } from '../support/problems';
import { me, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { SmtpSink, tokenIn } from '../support/smtp-sink';
import { TestApp, startTestApp } from '../support/test-app';
import { MailQueue } from '../../src/mail/mail-queue';

/**
 * E-mail verification over HTTP, with the mail read from a real SMTP server on loopback: the
 * link after registration, verify, resend (uniform, throttled), address change, and what an
 * unverified account may not do. Attacks: reuse, expiry, a superseded link, a link for an
 * address changed since.
 */
const { perEmail: PER_EMAIL, perIp: PER_IP } = ACCOUNT_MAIL_LIMITS;
let mailed: MailedApp;
let sink: SmtpSink;
let t: TestApp;
let mailSettled: () => Promise<void>;

beforeAll(async () => {
  mailed = await startMailedApp({ MAIL_FROM: 'Weather API <no-reply@weather.test>' });
  ({ t, sink, mailSettled } = mailed);
});
afterAll(() => mailed.close());

const signUp = () => register(t);
const verifiedAt = async (id: string) =>
  (
    await query<{ at: Date | null }>(t, 'SELECT email_verified_at AS at FROM users WHERE id = $1', [
      id,
    ])
  )[0].at;

describe('e-mail verification (e2e, real SMTP sink)', () => {
  it('register mails a link (text and HTML, no other secret); the token verifies the address once', async () => {
    const user = await signUp();
    const mail = await sink.waitFor(user.email);
    expect(mail.from).toContain('no-reply@weather.test');
    expect(mail.subject).toBe('Confirm your e-mail address');
    const token = tokenIn(mail);
    expect(token).toMatch(/^wxv_[A-Za-z0-9_-]{43}$/); // 256 random bits
    expect(mail.text).toContain(`https://app.weather.test/verify-email#token=${token}`);
    expect(mail.html).toContain(`https://app.weather.test/verify-email#token=${token}`);
    expect(mail.raw).not.toContain(user.password);
    expect(mail.raw).not.toContain(user.id);
    expect(await verifiedAt(user.id)).toBeNull();

    // Stored hashed: the row holds SHA-256 of the token, and the token appears nowhere.
    const rows = await query<Record<string, unknown>>(
      t,
      'SELECT * FROM account_tokens WHERE user_id = $1',
      [user.id],
    );
    expect(rows).toHaveLength(1);
    expect((rows[0].token_hash as Buffer).equals(createHash('sha256').update(token).digest())).toBe(
      true,
    );
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));

    const ok = await accounts.verify(t, token);
    expect(ok.status).toBe(204);
    expect(await verifiedAt(user.id)).not.toBeNull();
    const audit = await waitForAuditOf(t, ok);
    expect(audit[0]).toMatchObject({ action: 'auth.email.verified', resourceId: user.id });
    expect(JSON.stringify(audit)).not.toContain(token);

    // Reuse: refused with the one invalid-token problem.
    const again = await accounts.verify(t, token);
    expect(expectProblem(again, 400).type).toBe(INVALID_TOKEN_TYPE);
  });

  it('an expired link is refused and verifies nothing', async () => {
    const user = await signUp();
    const token = tokenIn(await sink.waitFor(user.email));
    await expireTokensOf(t, user.id);
    expect(expectProblem(await accounts.verify(t, token), 400).type).toBe(INVALID_TOKEN_TYPE);
    expect(await verifiedAt(user.id)).toBeNull();
  });

  it('a resend supersedes the earlier link', async () => {
    const user = await signUp();
    const first = tokenIn(await sink.waitFor(user.email));
    expect((await accounts.resend(t, user.email, anyIp())).status).toBe(202);
    const second = tokenIn(await sink.waitFor(user.email, 2));
    expect(second).not.toBe(first);
    expect(expectProblem(await accounts.verify(t, first), 400).type).toBe(INVALID_TOKEN_TYPE);
    expect(await verifiedAt(user.id)).toBeNull();
    expect((await accounts.verify(t, second)).status).toBe(204);
  });

  it('made-up and malformed tokens get the same 400, and nothing changes', async () => {
    for (const token of ['wxv_' + 'A'.repeat(43), 'not-a-token', 'wxp_' + 'B'.repeat(43)]) {
      const res = await accounts.verify(t, token);
      expect(expectProblem(res, 400).type).toBe(INVALID_TOKEN_TYPE);
    }
    expect(expectProblem(await accounts.verify(t, 'x'.repeat(65)), 400).type).toMatch(/validation/);
  });

  it('resend answers the same for unverified, verified and unknown addresses; only the first gets mail', async () => {
    const unverified = await signUp();
    const verified = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const unknown = uniqueEmail('nobody');
    await sink.waitFor(unverified.email);
    await sink.waitFor(verified.email); // its registration's link (setup)
    await mailSettled();
    const before = sink.messages.length;
    const answers = [];
    for (const email of [unverified.email, verified.email, unknown]) {
      const res = await accounts.resend(t, email, anyIp());
      answers.push({ status: res.status, body: res.body as unknown });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0].status).toBe(202);
    await mailSettled();
    expect(sink.messages.slice(before).map((m) => m.to[0])).toEqual([unverified.email]);
  });

  it(`per address: past ${PER_EMAIL} mails an hour, still 202 but no more mail (whatever the IP)`, async () => {
    const user = await signUp(); // mail 1
    for (let i = 0; i < PER_EMAIL + 2; i += 1) {
      expect((await accounts.resend(t, user.email, anyIp())).status).toBe(202);
    }
    await mailSettled();
    expect(sink.to(user.email)).toHaveLength(PER_EMAIL);
  });

  it(`per client: request ${PER_IP + 1} from one address is a 429 with Retry-After`, async () => {
    const client = anyIp();
    for (let i = 0; i < PER_IP; i += 1) {
      expect((await accounts.resend(t, uniqueEmail('spray'), client)).status).toBe(202);
    }
    const refused = await accounts.resend(t, uniqueEmail('spray'), client);
    expectProblem(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('unverified is read-only: reads work, API keys and promotion to operator are refused', async () => {
    const user = await signUp();
    const session = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    const auth = {
      Authorization: `Bearer ${(session.body as { accessToken: string }).accessToken}`,
    };
    expect((await me(t, auth)).status).toBe(200);

    const promote = await request(t.server)
      .patch(`/v1/users/${user.id}`)
      .set(t.auth)
      .send({ role: 'operator' });
    expect(expectProblem(promote, 409).type).toBe(NOT_VERIFIED_TYPE);
    const [row] = await query<{ role: string }>(t, 'SELECT role FROM users WHERE id = $1', [
      user.id,
    ]);
    expect(row.role).toBe('viewer');

    // Verified, the same promotion works.
    await accounts.verify(t, tokenIn(await sink.waitFor(user.email))).expect(204);
    await request(t.server)
      .patch(`/v1/users/${user.id}`)
      .set(t.auth)
      .send({ role: 'operator' })
      .expect(200);
  });

  it('changing the address: password asked again, the new address must verify, the old one is told', async () => {
    const operator = await signedInUser(t, 'operator', { fromAnyIp: true });
    const newEmail = uniqueEmail('moved');

    const wrong = await accounts.changeEmail(t, operator.auth, newEmail, 'not-the-password');
    expectProblem(wrong, 400);
    const [unchanged] = await query<{ email: string }>(t, 'SELECT email FROM users WHERE id = $1', [
      operator.id,
    ]);
    expect(unchanged.email).toBe(operator.email);

    const res = await accounts.changeEmail(t, operator.auth, newEmail, operator.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: newEmail, emailVerifiedAt: null });

    // Mail 1 was the link after registration (setup); mail 2 tells of the change.
    const notice = await sink.waitFor(operator.email, 2);
    expect(notice.subject).toBe('Your account e-mail address was changed');
    expect(notice.text).not.toMatch(/#token=/);
    expect(notice.text).not.toContain(newEmail); // masked
    const link = await sink.waitFor(newEmail);

    // Now unverified: read-only, so no API key until the new address is verified.
    const key = await postKey(t, operator.auth, { name: 'logger', scopes: ['stations:read'] });
    expect(expectProblem(key, 403).type).toBe(NOT_VERIFIED_TYPE);
    expect(await query(t, 'SELECT id FROM api_keys WHERE owner_id = $1', [operator.id])).toEqual(
      [],
    );
    expect((await me(t, operator.auth)).status).toBe(200);

    await accounts.verify(t, tokenIn(link)).expect(204);
    const after = await postKey(t, operator.auth, { name: 'logger', scopes: ['stations:read'] });
    expect(after.status).toBe(201);
  });

  it('a link sent to the old address does not verify the new one', async () => {
    const user = await signUp();
    const oldLink = tokenIn(await sink.waitFor(user.email));
    const session = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    const auth = {
      Authorization: `Bearer ${(session.body as { accessToken: string }).accessToken}`,
    };
    await accounts.changeEmail(t, auth, uniqueEmail('next'), user.password).expect(200);
    expect(expectProblem(await accounts.verify(t, oldLink), 400).type).toBe(INVALID_TOKEN_TYPE);
    expect(await verifiedAt(user.id)).toBeNull();
  });

  it('readiness shows the mail queue: transport, sent, failed, dropped', async () => {
    await mailSettled();
    const res = await request(t.server).get('/health/ready').expect(200);
    expect((res.body as { info: Record<string, unknown> }).info.mail).toMatchObject({
      status: 'up',
      transport: 'smtp',
      pending: 0,
      failed: 0,
      dropped: 0,
      sent: expect.any(Number),
    });
  });
});

describe('development outbox (no SMTP_URL)', () => {
  let dir: string;
  let dev: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dev = await startTestApp({ MAIL_OUTBOX_DIR: join(dir, 'outbox') });
  });
  afterAll(async () => {
    await dev.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each message to a 0600 file under the outbox folder; the link in it works', async () => {
    const email = uniqueEmail('outbox');
    await request(dev.server)
      .post('/v1/auth/register')
      .send({ email, password: newPassword() })
      .expect(201);
    await dev.app.get(MailQueue).idle();
    const folder = join(dir, 'outbox');
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    const file = join(folder, files[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`To: ${email}`);
    const token = /#token=([A-Za-z0-9_-]+)/.exec(text)![1];
    await accounts.verify(dev, token).expect(204);
    const ready = await request(dev.server).get('/health/ready').expect(200);
    expect((ready.body as { info: Record<string, unknown> }).info.mail).toMatchObject({
      transport: 'outbox',
      sent: 1,
    });
  });
});
