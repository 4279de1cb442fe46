import { generate } from 'otplib';
import request from 'supertest';
import { Session, bearerHeader } from './sign-in';
import type { TestApp } from './test-app';

/**
 * TOTP as a person's authenticator app does it: codes made from the secret with otplib, the
 * way a client would, never read from the server. A code is accepted once per 30-second step,
 * so `freshCode` picks a step the server has not seen yet (now or the next one, which the ±1
 * window accepts), and waits (at most one step) when both are used.
 */

const PERIOD = 30;

export function currentStep(): number {
  return Math.floor(Date.now() / 1000 / PERIOD);
}

export function codeAtStep(secret: string, step: number): Promise<string> {
  return generate({ secret, epoch: step * PERIOD + 1 });
}

/** A code for a step after the user's last accepted one, within the server's window. */
export async function freshCode(t: TestApp, userId: string, secret: string): Promise<string> {
  const rows = await t.dataSource.query<{ last_step: string }[]>(
    'SELECT last_step FROM mfa_totp_factors WHERE user_id = $1',
    [userId],
  );
  const last = Number(rows[0]?.last_step ?? 0);
  let now = currentStep();
  if (last >= now + 1) {
    // Both usable steps are spent: wait for the next one (bounded: one period).
    const waitMs = (last * PERIOD - Date.now() / 1000 + 0.2) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(waitMs, 31_000))));
    now = currentStep();
  }
  return codeAtStep(secret, Math.max(now, last + 1));
}

/** Six digits that no step of the server's window accepts (a guess that is wrong for sure). */
export async function wrongCode(secret: string): Promise<string> {
  const now = currentStep();
  const valid = new Set(await Promise.all([-1, 0, 1, 2].map((d) => codeAtStep(secret, now + d))));
  for (let guess = 0; ; guess += 1) {
    const code = String(guess).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

/** POST /v1/auth/mfa/totp then /confirm, as the person: MFA on, recovery codes in hand. */
export async function enrolMfa(
  t: TestApp,
  user: { id: string; password: string },
  session: Session,
): Promise<Enrolled> {
  const started = await request(t.server)
    .post('/v1/auth/mfa/totp')
    .set(session.auth)
    .send({ password: user.password });
  if (started.status !== 201) {
    throw new Error(`enrol: ${started.status} ${JSON.stringify(started.body)}`);
  }
  const { secret } = started.body as { secret: string };
  const confirmed = await request(t.server)
    .post('/v1/auth/mfa/totp/confirm')
    .set(session.auth)
    .send({ code: await freshCode(t, user.id, secret) });
  if (confirmed.status !== 200) {
    throw new Error(`confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  }
  return { secret, recoveryCodes: (confirmed.body as Enrolled).recoveryCodes };
}

/** Password, then code: the two-step login of an enrolled person. */
export async function loginWithMfa(
  t: TestApp,
  user: { id: string; email: string; password: string },
  secret: string,
): Promise<Session> {
  const first = await request(t.server)
    .post('/v1/auth/login')
    .send({ email: user.email, password: user.password });
  const { mfaToken } = first.body as { mfaToken?: string };
  if (first.status !== 200 || !mfaToken) {
    throw new Error(`login: ${first.status} ${JSON.stringify(first.body)}`);
  }
  const second = await request(t.server)
    .post('/v1/auth/login/mfa')
    .send({ mfaToken, code: await freshCode(t, user.id, secret) });
  if (second.status !== 200) {
    throw new Error(`login/mfa: ${second.status} ${JSON.stringify(second.body)}`);
  }
  const { accessToken, refreshToken } = second.body as {
    accessToken: string;
    refreshToken: string;
  };
  return { accessToken, refreshToken, auth: bearerHeader(accessToken) };
}
