import { generateKeyPairSync, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Response } from 'supertest';
import { countWhere, query, snapshot } from '../support/database';
import { Headers, expectStatus } from '../support/http';
import {
  accessClaims,
  decodeJwt,
  encodeJwt,
  hmacSignedJwt,
  nowSeconds,
  signJwt,
  strongJwtSecret,
} from '../support/jwt';
import { expectUnauthenticated, problemCore } from '../support/problems';
import {
  SignedInUser,
  bearerHeader,
  login,
  logout,
  me,
  newPassword,
  refresh,
  signedInUser,
} from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Access tokens (JWT, `Authorization: Bearer` only). Every forged, stale or misplaced token gets
 * the same 401 body as no credential at all, and the request it rode on changes nothing.
 */

const JWT_SECRET = strongJwtSecret();

interface Attack {
  headers: Headers;
  query?: Record<string, string>;
}

let t: TestApp;
/** The victim of most attacks: an operator, so an accepted token would create a station. */
let operator: SignedInUser;
let viewer: SignedInUser;
let admin: { id: string };
/** The body of the 401 for a request without any credential. */
let anonymous401: Record<string, unknown>;

const bearer = (token: string): Attack => ({ headers: bearerHeader(token) });
const opClaims = (overrides: Record<string, unknown> = {}) =>
  accessClaims(operator.session, overrides);

/** What the attacker sends; each is tried against a read, a create and a privilege change. */
const ATTACKS: { name: string; attack: () => Attack }[] = [
  { name: 'no credential', attack: () => ({ headers: {} }) },
  { name: 'garbage bearer token', attack: () => bearer('garbage') },
  { name: 'three garbage segments', attack: () => bearer('aaaa.bbbb.cccc') },
  { name: 'empty bearer token', attack: () => ({ headers: { Authorization: 'Bearer ' } }) },
  {
    name: 'alg "none" with valid-looking claims and an empty signature',
    attack: () => bearer(encodeJwt({ alg: 'none', typ: 'JWT' }, opClaims())),
  },
  {
    name: 'alg "None" (case variant) with an empty signature',
    attack: () => bearer(encodeJwt({ alg: 'None', typ: 'JWT' }, opClaims())),
  },
  {
    name: 'alg "none" keeping the original signature',
    attack: () =>
      bearer(
        encodeJwt(
          { alg: 'none', typ: 'JWT' },
          decodeJwt(operator.session.accessToken).payload,
          decodeJwt(operator.session.accessToken).signature,
        ),
      ),
  },
  {
    name: 'signed with a wrong secret',
    attack: () => bearer(signJwt(opClaims(), strongJwtSecret())),
  },
  {
    name: 'expired (exp in the past, correct secret)',
    attack: () =>
      bearer(signJwt(opClaims({ iat: nowSeconds() - 3600, exp: nowSeconds() - 60 }), JWT_SECRET)),
  },
  {
    // jsonwebtoken only checks exp when present: without the strategy's own check this lived forever.
    name: 'no exp claim at all (correct secret)',
    attack: () => bearer(signJwt(opClaims({ exp: undefined }), JWT_SECRET)),
  },
  {
    name: 'not yet valid (nbf in the future, correct secret)',
    attack: () => bearer(signJwt(opClaims({ nbf: nowSeconds() + 3600 }), JWT_SECRET)),
  },
  {
    name: 'wrong issuer',
    attack: () => bearer(signJwt(opClaims({ iss: 'someone-else' }), JWT_SECRET)),
  },
  { name: 'no issuer', attack: () => bearer(signJwt(opClaims({ iss: undefined }), JWT_SECRET)) },
  {
    name: 'wrong audience',
    attack: () => bearer(signJwt(opClaims({ aud: 'another-api' }), JWT_SECRET)),
  },
  {
    name: 'HS512 signed with the right secret (algorithm not pinned)',
    attack: () => bearer(signJwt(opClaims(), JWT_SECRET, 'HS512')),
  },
  {
    name: 'RS256 header over an HMAC signature made with the secret (key confusion)',
    attack: () => bearer(hmacSignedJwt({ alg: 'RS256', typ: 'JWT' }, opClaims(), JWT_SECRET)),
  },
  {
    name: 'RS256 signed with the attacker’s own RSA key',
    attack: () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return bearer(
        signJwt(opClaims(), privateKey.export({ type: 'pkcs1', format: 'pem' }), 'RS256'),
      );
    },
  },
  {
    name: 'a refresh token used as an access token',
    attack: () => bearer(operator.session.refreshToken),
  },
  {
    name: 'typ "refresh" (correct secret)',
    attack: () => bearer(signJwt(opClaims({ typ: 'refresh' }), JWT_SECRET)),
  },
  {
    name: 'no typ claim (correct secret)',
    attack: () => bearer(signJwt(opClaims({ typ: undefined }), JWT_SECRET)),
  },
  {
    name: 'a real token with role re-encoded to admin, original signature kept',
    attack: () => {
      const { header, payload, signature } = decodeJwt(operator.session.accessToken);
      return bearer(encodeJwt(header, { ...payload, role: 'admin' }, signature));
    },
  },
  {
    name: 'sub swapped to the admin, the operator’s session id kept (correct secret)',
    attack: () => bearer(signJwt(opClaims({ sub: admin.id, role: 'admin' }), JWT_SECRET)),
  },
  {
    name: 'a session id that does not exist (correct secret)',
    attack: () => bearer(signJwt(opClaims({ sid: randomUUID() }), JWT_SECRET)),
  },
  {
    name: 'sub that is not a uuid (correct secret)',
    attack: () => bearer(signJwt(opClaims({ sub: "' OR 1=1 --" }), JWT_SECRET)),
  },
  {
    name: 'a valid token in the query string (?access_token=)',
    attack: () => ({ headers: {}, query: { access_token: operator.session.accessToken } }),
  },
  {
    name: 'a valid token without the Bearer scheme',
    attack: () => ({ headers: { Authorization: operator.session.accessToken } }),
  },
  {
    name: 'a valid token in a cookie',
    attack: () => ({ headers: { Cookie: `access_token=${operator.session.accessToken}` } }),
  },
];

/** Sends a read, a create and a privilege escalation with the attack's credentials. */
function attackRequests(attack: Attack): Promise<Response>[] {
  const agent = request(t.server);
  const q = attack.query ?? {};
  return [
    agent.get('/v1/auth/me').query(q).set(attack.headers),
    agent.post('/v1/stations').query(q).set(attack.headers).send(stationBody()),
    agent.patch(`/v1/users/${operator.id}`).query(q).set(attack.headers).send({ role: 'admin' }),
  ];
}

/** The attack gets the one generic 401 everywhere and the database is exactly as before. */
async function expectRejected(attack: Attack): Promise<void> {
  const before = await snapshot(t);
  for (const pending of attackRequests(attack)) {
    const res = await pending;
    expectUnauthenticated(res);
    expect(problemCore(res)).toEqual(anonymous401);
  }
  expect(await snapshot(t)).toEqual(before);
}

beforeAll(async () => {
  t = await startTestApp({ JWT_SECRET });
  [operator, viewer] = await Promise.all([signedInUser(t, 'operator'), signedInUser(t, 'viewer')]);
  admin = (await me(t, t.auth)).body as { id: string };
  anonymous401 = problemCore(await request(t.server).get('/v1/auth/me'));
});
afterAll(() => t.close());

describe('JWT attacks (e2e)', () => {
  it('the victim’s real token works, so every rejection below is about the forgery', async () => {
    const res = await me(t, operator.auth);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: operator.id, role: 'operator' });
    expectUnauthenticated(await request(t.server).get('/v1/auth/me'));
  });

  it.each(ATTACKS)('$name -> the generic 401, nothing changed', async ({ attack }) => {
    await expectRejected(attack());
  });

  it('a validly signed token claiming role admin for a viewer: the database role wins (403)', async () => {
    const forged = bearerHeader(
      signJwt(accessClaims(viewer.session, { role: 'admin' }), JWT_SECRET),
    );
    const before = await snapshot(t);

    const self = await me(t, forged);
    expectStatus(self, 200);
    expect(self.body).toMatchObject({ id: viewer.id, role: 'viewer' });
    expectStatus(await request(t.server).get('/v1/users').set(forged), 403);
    expectStatus(await request(t.server).post('/v1/stations').set(forged).send(stationBody()), 403);
    expectStatus(
      await request(t.server).patch(`/v1/users/${viewer.id}`).set(forged).send({ role: 'admin' }),
      403,
    );
    expectStatus(await request(t.server).get('/v1/api-keys').set(forged), 403);

    expect(await snapshot(t)).toEqual(before);
    const [row] = await query(t, 'SELECT role FROM users WHERE id = $1', [viewer.id]);
    expect(row.role).toBe('viewer');
  });
});

describe('tokens that were valid and stopped being valid (e2e)', () => {
  it('after logout: that session’s access and refresh tokens -> 401; the user’s other session still works', async () => {
    const user = await signedInUser(t, 'operator');
    const other = await login(t, user);

    expectStatus(await logout(t, user.auth), 204);

    await expectRejected({ headers: user.auth });
    expectUnauthenticated(await refresh(t, user.session.refreshToken));
    expectStatus(await me(t, other.auth), 200);
    const sessions = await query(
      t,
      'SELECT revoked_reason FROM auth_sessions WHERE user_id = $1 ORDER BY revoked_reason NULLS LAST',
      [user.id],
    );
    expect(sessions.map((s) => s.revoked_reason)).toEqual(['logout', null]);
  });

  it('of a user an admin disabled: 401 at once, no refresh, and the correct password no longer logs in', async () => {
    const user = await signedInUser(t, 'operator');
    expectStatus(await me(t, user.auth), 200);

    expectStatus(
      await request(t.server).patch(`/v1/users/${user.id}`).set(t.auth).send({ disabled: true }),
      200,
    );

    await expectRejected({ headers: user.auth });
    const before = await snapshot(t);
    expectUnauthenticated(await refresh(t, user.session.refreshToken));
    expectUnauthenticated(
      await request(t.server)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password }),
    );
    expect(await snapshot(t)).toEqual(before);
  });

  it('after change-password: every session of the user -> 401, refresh too; the new password works', async () => {
    const user = await signedInUser(t, 'operator');
    const second = await login(t, user);
    const [{ password_hash: oldHash }] = await query(
      t,
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    );
    const newPw = newPassword();

    expectStatus(
      await request(t.server)
        .post('/v1/auth/change-password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: newPw }),
      204,
    );

    for (const session of [user.session, second]) {
      await expectRejected({ headers: session.auth });
      expectUnauthenticated(await refresh(t, session.refreshToken));
    }
    expect(
      await countWhere(
        t,
        'auth_sessions',
        "user_id = $1 AND (revoked_at IS NULL OR revoked_reason <> 'password_changed')",
        [user.id],
      ),
    ).toBe(0);
    const [{ password_hash: newHash }] = await query(
      t,
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    );
    expect(newHash).not.toBe(oldHash);
    expectUnauthenticated(
      await request(t.server)
        .post('/v1/auth/login')
        .send({ email: user.email, password: user.password }),
    );
    expectStatus(await me(t, (await login(t, { email: user.email, password: newPw })).auth), 200);
  });

  it('change-password with a wrong current password -> 400; password and sessions unchanged', async () => {
    const user = await signedInUser(t, 'viewer');
    const before = await snapshot(t);

    const res = await request(t.server)
      .post('/v1/auth/change-password')
      .set(user.auth)
      .send({ currentPassword: newPassword(), newPassword: newPassword() });

    expectStatus(res, 400);
    expect(await snapshot(t)).toEqual(before);
    expectStatus(await me(t, user.auth), 200);
  });
});
