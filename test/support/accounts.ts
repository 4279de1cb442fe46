import request from 'supertest';
import { MailQueue } from '../../src/mail/mail-queue';
import { query } from './database';
import { anyIp, type Headers } from './http';
import { newPassword, uniqueEmail } from './sign-in';
import { SmtpSink } from './smtp-sink';
import { type TestApp, startTestApp } from './test-app';

/** The account routes of src/security/accounts, as a client calls them. */
export const accounts = {
  verify: (t: TestApp, token: string) =>
    request(t.server).post('/v1/auth/verify-email').send({ token }),
  resend: (t: TestApp, email: string, headers: Headers = {}) =>
    request(t.server).post('/v1/auth/verify-email/resend').set(headers).send({ email }),
  changeEmail: (t: TestApp, auth: Headers, email: string, password: string) =>
    request(t.server).post('/v1/auth/email').set(auth).send({ email, password }),
  requestReset: (t: TestApp, email: string, headers: Headers = {}) =>
    request(t.server).post('/v1/auth/password-reset/request').set(headers).send({ email }),
  confirmReset: (t: TestApp, token: string, newPassword: string) =>
    request(t.server).post('/v1/auth/password-reset/confirm').send({ token, newPassword }),
};

export const INVALID_TOKEN_TYPE = 'urn:weather-api:problem:invalid-account-token';
export const NOT_VERIFIED_TYPE = 'urn:weather-api:problem:email-not-verified';

/** The mail budgets the account specs run with (small, so a test can cross them). */
export const ACCOUNT_MAIL_LIMITS = { perEmail: 3, perIp: 5 } as const;

/** An app that mails through a real SMTP server on loopback, and that server. */
export interface MailedApp {
  t: TestApp;
  sink: SmtpSink;
  /** Resolves once the queue handed everything queued so far to the sink (or failed it). */
  mailSettled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The setup the account specs share: a sink, an app that mails to it with links to
 * https://app.weather.test, a client address per test (TRUST_PROXY + anyIp) so per-IP budgets
 * part, and the budgets of ACCOUNT_MAIL_LIMITS.
 */
export async function startMailedApp(env: Record<string, string> = {}): Promise<MailedApp> {
  const sink = await SmtpSink.start();
  const t = await startTestApp({
    SMTP_URL: sink.url,
    PUBLIC_APP_URL: 'https://app.weather.test',
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_ACCOUNT_MAIL_PER_EMAIL_PER_HOUR: String(ACCOUNT_MAIL_LIMITS.perEmail),
    RATE_LIMIT_ACCOUNT_MAIL_PER_IP_PER_HOUR: String(ACCOUNT_MAIL_LIMITS.perIp),
    ...env,
  });
  return {
    t,
    sink,
    mailSettled: () => t.app.get(MailQueue).idle(),
    close: async () => {
      await t.close();
      await sink.close();
    },
  };
}

/** Self-registration from a client address of its own; the account starts unverified. */
export async function register(
  t: TestApp,
  email = uniqueEmail('verify'),
  password = newPassword(),
): Promise<{ id: string; email: string; password: string }> {
  const res = await request(t.server)
    .post('/v1/auth/register')
    .set(anyIp())
    .send({ email, password })
    .expect(201);
  return { id: (res.body as { id: string }).id, email, password };
}

/** Makes every mailed token of the user expired, as time would. */
export async function expireTokensOf(t: TestApp, userId: string): Promise<void> {
  await query(
    t,
    `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
    [userId],
  );
}
