import request from 'supertest';
import { query } from '../support/database';
import { newPassword } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * One person, one address: variants that look the same (or are the same after Unicode
 * normalisation) must not become separate accounts, and the lock on failed logins must count
 * them as the account they name. Policy: src/common/identity/email-address.ts.
 */
describe('e-mail identity (e2e)', () => {
  let t: TestApp;
  const password = newPassword();
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: '3' });
    const created = await register('ada.lovelace@example.com', password);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ada.lovelace@example.com' });
  });
  afterAll(() => t.close());

  const register = (email: string, pw = newPassword()) =>
    request(t.server).post('/v1/auth/register').send({ email, password: pw });
  const userCount = async () =>
    (await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM users'))[0].n;

  it.each([
    ['upper case', 'Ada.Lovelace@Example.COM'],
    ['full-width letters', 'ａｄａ.lovelace@ｅｘａｍｐｌｅ.com'],
    ['surrounding spaces', '  ada.lovelace@example.com '],
  ])('%s: the same account (409 on register, login works)', async (_name, variant) => {
    const before = await userCount();
    expect((await register(variant)).status).toBe(409);
    expect(await userCount()).toBe(before);
    const login = await request(t.server).post('/v1/auth/login').send({ email: variant, password });
    expect(login.status).toBe(200);
  });

  it('composed and decomposed accents are one address', async () => {
    expect((await register('jos\u00e9@example.com')).status).toBe(201);
    expect((await register('jose\u0301@example.com')).status).toBe(409);
  });

  it.each([
    ['a zero-width space', 'ada\u200b.lovelace@example.com', /invisible/],
    ['a right-to-left override', 'ada\u202e.lovelace@example.com', /invisible/],
    ['a Cyrillic а among Latin letters', '\u0430da.lovelace@example.com', /scripts/],
    ['a dotless i', 'adm\u0131n@example.com', /look-alike/],
    [
      'a capital dotted İ (lower-cases to i + combining dot)',
      'adm\u0130n@example.com',
      /look-alike/,
    ],
  ])('%s: 400 with a clear field error, no account', async (_name, email, message) => {
    const before = await userCount();
    const res = await register(email);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(message);
    expect(await userCount()).toBe(before);
  });

  it('an address in one non-Latin script is welcome', async () => {
    expect(
      (await register('\u0430\u0434\u0430@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444'))
        .status,
    ).toBe(201);
  });

  it('an address that grows past 254 characters when lower-cased is a 400, not a 500', async () => {
    // 136 UTF-16 units as sent; 261 once lower-cased ("İ" becomes "i" + U+0307).
    const label = '\u0130'.repeat(31);
    const email = `${'\u0130'.repeat(32)}@${label}.${label}.${label}.example`;
    expect(email.length).toBe(136);
    const before = await userCount();
    const res = await register(email);
    expect(res.status).toBe(400);
    expect(await userCount()).toBe(before);
  });

  it('failed logins under look-alike spellings spend the one account’s budget', async () => {
    const email = 'grace.hopper@example.com';
    const own = newPassword();
    expect((await register(email, own)).status).toBe(201);
    for (const variant of [
      'GRACE.HOPPER@example.com',
      'ｇrace.hopper@example.com',
      ' grace.hopper@EXAMPLE.com',
    ]) {
      const res = await request(t.server)
        .post('/v1/auth/login')
        .send({ email: variant, password: newPassword() });
      expect(res.status).toBe(401);
    }
    // The budget of 3 is spent: even the right password under the plain spelling waits.
    const locked = await request(t.server).post('/v1/auth/login').send({ email, password: own });
    expect(locked.status).toBe(429);
  });
});
