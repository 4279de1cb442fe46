import request from 'supertest';
import type { Response } from 'supertest';
import { countWhere, query, snapshot } from '../support/database';
import { expectStatus } from '../support/http';
import { expectNoSecretMaterial } from '../support/leaks';
import { expectUnauthenticated } from '../support/problems';
import { TestUser, adminPatchUser, createUser, newPassword, uniqueEmail } from '../support/sign-in';
import { TEST_ADMIN, TestApp, startTestApp } from '../support/test-app';

/**
 * Login answers the same for "no such account", "wrong password" and "account disabled";
 * registration makes viewers only, with a password of 12-128 characters, one account per email.
 */

let t: TestApp;
let existing: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  existing = await createUser(t, 'operator');
});
afterAll(() => t.close());

function postLogin(body: Record<string, unknown>) {
  return request(t.server).post('/v1/auth/login').send(body);
}

function register(body: Record<string, unknown>) {
  return request(t.server).post('/v1/auth/register').send(body);
}

/** The response as a client compares it: status, content type, and the body minus per-request ids. */
function comparable(res: Response): Record<string, unknown> {
  const { requestId, ...body } = res.body as Record<string, unknown>;
  expect(requestId).toEqual(expect.any(String));
  return { status: res.status, contentType: res.headers['content-type'], body };
}

describe('login (e2e)', () => {
  it('the correct password logs in (email case does not matter)', async () => {
    const res = await postLogin({
      email: existing.email.toUpperCase(),
      password: existing.password,
    });
    expectStatus(res, 200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
    });
    expectNoSecretMaterial(res);
  });

  it('unknown email, wrong password and a disabled account all get the identical 401; nothing changed', async () => {
    const disabled = await createUser(t, 'operator');
    await adminPatchUser(t, disabled.id, { disabled: true });
    const before = await snapshot(t);

    const unknown = await postLogin({ email: uniqueEmail('nobody'), password: newPassword() });
    const wrongPassword = await postLogin({ email: existing.email, password: newPassword() });
    const wrongPasswordOtherCase = await postLogin({
      email: existing.email.toUpperCase(),
      password: `${existing.password}x`,
    });
    const disabledCorrect = await postLogin({ email: disabled.email, password: disabled.password });

    expectUnauthenticated(unknown);
    for (const res of [wrongPassword, wrongPasswordOtherCase, disabledCorrect]) {
      expect(comparable(res)).toEqual(comparable(unknown));
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('a login body with extra fields is refused (400), not half-read', async () => {
    const before = await snapshot(t);
    const res = await postLogin({
      email: existing.email,
      password: existing.password,
      role: 'admin',
    });
    expectStatus(res, 400);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('register (e2e)', () => {
  it('creates a viewer, with a lower-cased email and an argon2id hash; the response has no hash', async () => {
    const email = uniqueEmail('New.Person');
    const res = await register({ email, password: newPassword() });

    expectStatus(res, 201);
    expect(res.body).toEqual({
      id: expect.any(String),
      email: email.toLowerCase(),
      role: 'viewer',
      emailVerifiedAt: null, // until the mailed link is followed
      disabledAt: null,
      createdAt: expect.any(String),
    });
    expectNoSecretMaterial(res);
    const [row] = await query(t, 'SELECT email, role, password_hash FROM users WHERE id = $1', [
      (res.body as { id: string }).id,
    ]);
    expect(row).toMatchObject({ email: email.toLowerCase(), role: 'viewer' });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it.each([
    ['role admin', { role: 'admin' }],
    ['role viewer (any role field)', { role: 'viewer' }],
    ['disabled', { disabled: false }],
    ['id', { id: '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11' }],
    ['passwordHash', { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' }],
  ])('%s in the body -> 400 naming the field, and no user row', async (_name, extra) => {
    const email = uniqueEmail('mass');
    const before = await snapshot(t);

    const res = await register({ email, password: newPassword(), ...extra });

    expectStatus(res, 400);
    expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(
      Object.keys(extra),
    );
    expect(await countWhere(t, 'users', 'email = $1', [email])).toBe(0);
    expect(await snapshot(t)).toEqual(before);
  });

  it('a duplicate email in another case -> 409; still one account', async () => {
    const email = uniqueEmail('dup');
    expectStatus(await register({ email, password: newPassword() }), 201);
    const before = await snapshot(t);

    const res = await register({ email: email.toUpperCase(), password: newPassword() });

    expectStatus(res, 409);
    expect(await countWhere(t, 'users', 'email = $1', [email])).toBe(1);
    expect(await snapshot(t)).toEqual(before);
  });

  it('registering the bootstrap admin’s email again -> 409, the admin is untouched', async () => {
    const before = await snapshot(t);
    expectStatus(await register({ email: TEST_ADMIN.email, password: newPassword() }), 409);
    expect(await snapshot(t)).toEqual(before);
  });

  it.each([
    [11, 400],
    [12, 201],
    [128, 201],
    [129, 400],
  ])('a password of %i characters -> %i', async (length, status) => {
    const email = uniqueEmail(`len${length}`);
    const res = await register({ email, password: 'aB3$'.repeat(33).slice(0, length) });
    expectStatus(res, status);
    expect(await countWhere(t, 'users', 'email = $1', [email])).toBe(status === 201 ? 1 : 0);
    if (status === 201) {
      expectStatus(await postLogin({ email, password: 'aB3$'.repeat(33).slice(0, length) }), 200);
    }
  });
});

describe('register with REGISTRATION_ENABLED=false (e2e)', () => {
  let closed: TestApp;
  beforeAll(async () => {
    closed = await startTestApp({ REGISTRATION_ENABLED: 'false' });
  });
  afterAll(() => closed.close());

  it('-> 403 and no user row; logging in still works', async () => {
    const email = uniqueEmail('closed');
    const before = await snapshot(closed);

    const res = await request(closed.server)
      .post('/v1/auth/register')
      .send({ email, password: newPassword() });

    expectStatus(res, 403);
    expect(await snapshot(closed)).toEqual(before);
    expect(await countWhere(closed, 'users', 'email = $1', [email])).toBe(0);
    expectStatus(await request(closed.server).post('/v1/auth/login').send(TEST_ADMIN), 200);
  });
});
