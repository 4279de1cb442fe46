import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { UsersService } from '../../src/users/users.service';
import type { Role } from '../../src/users/user.entity';
import { Headers, anyIp } from './http';
import type { TestApp } from './test-app';

/**
 * People and their sessions, made the way clients make them: one way to create a user of a
 * role, one way to log in, one way to get both. The differences between suites are options.
 */

/** A random password of 24 characters (the API accepts 12-128). */
export function newPassword(): string {
  return `pw-${randomBytes(16).toString('base64url')}`;
}

/** An email address no other test uses. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@test.example`;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** `{ Authorization: 'Bearer <accessToken>' }` */
  auth: Headers;
}

export interface SignedInUser extends TestUser {
  session: Session;
  /** Shortcut for session.auth. */
  auth: Headers;
}

export function bearerHeader(token: string): Headers {
  return { Authorization: `Bearer ${token}` };
}

export interface CreateUserOptions {
  email?: string;
  password?: string;
  /**
   * 'register' (default): self-registration (always a viewer), then the test app's bootstrap
   * admin grants the role, as a real deployment does. 'users-service': the real UsersService
   * (argon2id hash, same insert as registration), which spends no `register-ip` budget, for
   * files with tight limits whose setup must not eat into the limit under test.
   */
  via?: 'register' | 'users-service';
  /**
   * Every request from a new X-Forwarded-For address (apps behind TRUST_PROXY=loopback), so
   * setup never spends a per-IP limit.
   */
  fromAnyIp?: boolean;
  /**
   * true (default): the address counts as verified, as for any account past its first mail, so
   * suites about other things are not read-only. false: left as registration leaves it.
   * (The verification flow itself: test/identity/email-verification.e2e-spec.ts.)
   */
  verified?: boolean;
}

/** The headers of one setup request: a fresh client address when `fromAnyIp` asks for it. */
function setupHeaders(options: { fromAnyIp?: boolean }, headers: Headers = {}): Headers {
  return options.fromAnyIp ? { ...headers, ...anyIp() } : headers;
}

/** A user with the given role (see CreateUserOptions for how it is made). */
export async function createUser(
  t: TestApp,
  role: Role,
  options: CreateUserOptions = {},
): Promise<TestUser> {
  const email = options.email ?? uniqueEmail(role);
  const password = options.password ?? newPassword();
  const emailVerified = options.verified ?? true;
  if (options.via === 'users-service') {
    const user = await t.app.get(UsersService).create(email, password, role, { emailVerified });
    return { id: user.id, email, password, role };
  }
  const registered = await request(t.server)
    .post('/v1/auth/register')
    .set(setupHeaders(options))
    .send({ email, password });
  if (registered.status !== 201) {
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  }
  const id = (registered.body as { id: string }).id;
  if (emailVerified) {
    await t.dataSource.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [id]);
  }
  if (role !== 'viewer') {
    const patched = await request(t.server)
      .patch(`/v1/users/${id}`)
      .set(setupHeaders(options, t.auth))
      .send({ role });
    if (patched.status !== 200) {
      throw new Error(`grant ${role}: ${patched.status} ${JSON.stringify(patched.body)}`);
    }
  }
  return { id, email, password, role };
}

/**
 * Logs in and returns the new session's tokens and its bearer header; fails loudly if login
 * does not answer 200. Takes anything with a `server`, so the test app can sign in its own admin.
 */
export async function login(
  t: Pick<TestApp, 'server'>,
  user: { email: string; password: string },
  options: { fromAnyIp?: boolean } = {},
): Promise<Session> {
  const res = await request(t.server)
    .post('/v1/auth/login')
    .set(setupHeaders(options))
    .send({ email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  const { accessToken, refreshToken } = res.body as { accessToken: string; refreshToken: string };
  return { accessToken, refreshToken, auth: bearerHeader(accessToken) };
}

/**
 * createUser + login: a signed-in user of `role`. `signIn: false` makes the user without a
 * session (its `auth` is empty), for a victim who must never have logged in.
 */
export async function signedInUser(
  t: TestApp,
  role: Role,
  options: CreateUserOptions & { signIn?: boolean } = {},
): Promise<SignedInUser> {
  const user = await createUser(t, role, options);
  const session =
    options.signIn === false
      ? { accessToken: '', refreshToken: '', auth: {} }
      : await login(t, user, options);
  return { ...user, session, auth: session.auth };
}

/** POST /v1/auth/refresh. */
export function refresh(t: TestApp, refreshToken: string) {
  return request(t.server).post('/v1/auth/refresh').send({ refreshToken });
}

/** GET /v1/auth/me: the cheapest request that proves an access token works (200) or not. */
export function me(t: TestApp, headers: Headers) {
  return request(t.server).get('/v1/auth/me').set(headers);
}

/** POST /v1/auth/logout: ends the session behind `headers`. */
export function logout(t: TestApp, headers: Headers) {
  return request(t.server).post('/v1/auth/logout').set(headers);
}

/** Admin-only PATCH /v1/users/:id, sent as the test app's bootstrap admin. */
export async function adminPatchUser(
  t: TestApp,
  userId: string,
  body: { role?: Role; disabled?: boolean },
): Promise<void> {
  const res = await request(t.server).patch(`/v1/users/${userId}`).set(t.auth).send(body);
  if (res.status !== 200) throw new Error(`PATCH user: ${res.status} ${JSON.stringify(res.body)}`);
}
