import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { Response } from 'supertest';
import { ConfigError } from '../../src/config/env-parsers';
import { loadConfig } from '../../src/config/load-config';
import { CreatedKey, apiKeyHeader, createKey } from '../support/api-keys';
import { auditRowsEventually } from '../support/audit';
import { expectUnchangedBy, query } from '../support/database';
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
import { UNAUTHENTICATED_PROBLEM, expectUnauthenticated, problemCore } from '../support/problems';
import {
  SignedInUser,
  bearerHeader,
  login,
  logout,
  me,
  newPassword,
  refresh,
  signedInUser,
  uniqueEmail,
} from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TEST_ADMIN, TestApp, startTestApp } from '../support/test-app';
import { hs256Kid } from '../../src/security/jwt/keys/ring-key';
import { TWO_CREDENTIALS_DETAIL } from '../../src/security/authorization/unauthenticated.problem';

/**
 * OWASP API2:2023 Broken Authentication. Two kinds of credential: JWT access tokens for people
 * (src/security/jwt) and API keys for applications (src/security/api-key). Every forged, stale,
 * misplaced or guessed credential must get the one generic 401 (so the attacker learns nothing
 * about which check failed) and the request it rode on must change nothing. The full catalogue
 * of token forgeries is test/identity/jwt-attacks.e2e-spec.ts; this file is the per-risk index:
 * one of each family, plus the account-level defences (default accounts, password storage and
 * bounds, session termination) and what is logged.
 */

const JWT_SECRET = strongJwtSecret();
// The kid the app gives JWT_SECRET's HS256 key: without it a token is refused before any check.
const HS_KID = hs256Kid(JWT_SECRET);

let t: TestApp;
let operator: SignedInUser;
let key: CreatedKey;
let revokedKey: CreatedKey;
/** Every log line the app writes (LOG_LEVEL=info), to check no credential reaches the log. */
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  t = await startTestApp({ JWT_SECRET, LOG_LEVEL: 'info' }, { logDestination: sink });
  operator = await signedInUser(t, 'operator');
  key = await createKey(t, operator.auth, { scopes: ['stations:read', 'observations:write'] });
  revokedKey = await createKey(t, operator.auth, { scopes: ['stations:read'] });
  await request(t.server).delete(`/v1/api-keys/${revokedKey.id}`).set(operator.auth).expect(204);
});
afterAll(() => t.close());

const claims = (overrides: Record<string, unknown> = {}) =>
  accessClaims(operator.session, overrides);

interface Attack {
  name: string;
  headers: () => Headers;
  query?: () => Record<string, string>;
}

const ATTACKS: Attack[] = [
  { name: 'no credential at all', headers: () => ({}) },
  {
    name: 'alg "none", unsigned, with the operator’s claims',
    headers: () => bearerHeader(encodeJwt({ alg: 'none', typ: 'JWT' }, claims())),
  },
  {
    name: 'the operator’s real token with role re-encoded to admin (signature kept)',
    headers: () => {
      const { header, payload, signature } = decodeJwt(operator.session.accessToken);
      return bearerHeader(encodeJwt(header, { ...payload, role: 'admin' }, signature));
    },
  },
  {
    name: 'HS256 signed with a guessed secret ("secret")',
    headers: () => bearerHeader(signJwt(claims(), 'secret')),
  },
  {
    name: 'expired (correct secret)',
    headers: () =>
      bearerHeader(
        signJwt(claims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 60 }), JWT_SECRET),
      ),
  },
  {
    name: 'no exp claim at all (correct secret): a token must not live forever',
    headers: () => bearerHeader(signJwt(claims({ exp: undefined }), JWT_SECRET)),
  },
  {
    name: 'RS256 signed by the attacker, with their public key embedded as a "jwk" header',
    headers: () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign(claims(), privateKey.export({ type: 'pkcs1', format: 'pem' }), {
        algorithm: 'RS256',
        noTimestamp: true,
        header: { alg: 'RS256', jwk: publicKey.export({ format: 'jwk' }) } as jwt.JwtHeader,
      });
      return bearerHeader(token);
    },
  },
  {
    name: 'a "kid" path traversal to an empty key file, HMAC with an empty key',
    headers: () =>
      bearerHeader(
        hmacSignedJwt({ alg: 'HS256', typ: 'JWT', kid: '../../../../dev/null' }, claims(), ''),
      ),
  },
  {
    name: 'a "jku" header pointing at the attacker’s key set',
    headers: () =>
      bearerHeader(
        hmacSignedJwt(
          { alg: 'HS256', typ: 'JWT', jku: 'https://attacker.example/jwks.json' },
          claims(),
          strongJwtSecret(),
        ),
      ),
  },
  {
    name: 'a "crit" header naming an extension the server does not implement (correct secret)',
    headers: () =>
      bearerHeader(
        hmacSignedJwt(
          { alg: 'HS256', typ: 'JWT', kid: HS_KID, crit: ['x-must'], 'x-must': 1 },
          claims(),
          JWT_SECRET,
        ),
      ),
  },
  {
    name: 'issued an hour in the future (correct secret)',
    headers: () =>
      bearerHeader(
        hmacSignedJwt(
          { alg: 'HS256', typ: 'JWT', kid: HS_KID },
          claims({ iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 }),
          JWT_SECRET,
        ),
      ),
  },
  {
    name: 'the refresh token presented as an access token',
    headers: () => bearerHeader(operator.session.refreshToken),
  },
  {
    name: 'a valid access token in the query string (?access_token=)',
    headers: () => ({}),
    query: () => ({ access_token: operator.session.accessToken }),
  },
  {
    name: 'HTTP Basic with default credentials (admin:admin)',
    headers: () => ({ Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }),
  },
  {
    name: 'an API key with a real key id and a guessed secret',
    headers: () => apiKeyHeader(`wxk_${key.keyId}_${'A'.repeat(43)}`),
  },
  {
    name: 'an API key that is not in the key format (SQL in the header)',
    headers: () => apiKeyHeader("wxk_' OR '1'='1"),
  },
  {
    name: 'a valid API key in the query string (?api_key=)',
    headers: () => ({}),
    query: () => ({ api_key: key.key }),
  },
  { name: 'a revoked API key', headers: () => revokedKey.auth },
];

describe('API2 forged, stale and misplaced credentials (e2e)', () => {
  it('the operator’s own token and key work: every refusal below is about the attack', async () => {
    expectStatus(await me(t, operator.auth), 200);
    expectStatus(await request(t.server).get('/v1/stations').set(key.auth), 200);
  });

  it('control: the same claims, signed with the real secret, a plain header and iat now, are accepted', async () => {
    const token = hmacSignedJwt({ alg: 'HS256', typ: 'JWT', kid: HS_KID }, claims(), JWT_SECRET);
    expectStatus(await me(t, bearerHeader(token)), 200);
    const skewed = hmacSignedJwt(
      { alg: 'HS256', typ: 'JWT', kid: HS_KID },
      claims({ iat: nowSeconds() + 30 }),
      JWT_SECRET,
    );
    expectStatus(await me(t, bearerHeader(skewed)), 200);
  });

  it.each(ATTACKS)(
    '$name -> the generic 401 on a read and two writes; nothing changed',
    async (attack) => {
      const anonymous = problemCore(await request(t.server).get('/v1/stations'));
      const sent = (req: request.Test) => req.query(attack.query?.() ?? {}).set(attack.headers());
      const responses = await expectUnchangedBy(t, async () => [
        await sent(request(t.server).get('/v1/stations')),
        await sent(request(t.server).post('/v1/stations')).send(stationBody()),
        await sent(request(t.server).patch(`/v1/users/${operator.id}`)).send({ role: 'admin' }),
      ]);
      for (const res of responses) {
        expectUnauthenticated(res);
        expect(problemCore(res)).toEqual(anonymous);
      }
    },
  );

  it('a valid token and a valid key at once (ambiguous caller): 401 that says so; nothing changed', async () => {
    const both = { ...operator.auth, ...key.auth };
    const responses = await expectUnchangedBy(t, async () => [
      await request(t.server).get('/v1/stations').set(both),
      await request(t.server).post('/v1/stations').set(both).send(stationBody()),
    ]);
    for (const res of responses) {
      // Swagger UI users who authorise both schemes learn what to change; neither was checked.
      expect(problemCore(res)).toEqual({
        ...UNAUTHENTICATED_PROBLEM,
        detail: TWO_CREDENTIALS_DETAIL,
      });
    }
  });

  it('refused credentials are recorded in the audit log as access.denied, without the secret', async () => {
    const rows = await auditRowsEventually(t, 'access.denied', (row) => row.http_status === 401);
    expect(rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(await query(t, 'SELECT * FROM audit_log'));
    for (const secret of [
      key.secret,
      operator.session.accessToken,
      operator.session.refreshToken,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('API2 logging in (e2e)', () => {
  async function loginAttempt(email: string, password: string): Promise<Response> {
    return request(t.server).post('/v1/auth/login').send({ email, password });
  }

  it('an unknown account and a wrong password get the identical 401; no session is made', async () => {
    const [unknown, wrong] = await expectUnchangedBy(t, async () => [
      await loginAttempt(uniqueEmail('nobody'), newPassword()),
      await loginAttempt(operator.email, newPassword()),
    ]);
    expectUnauthenticated(unknown);
    expect(problemCore(wrong)).toEqual(problemCore(unknown));
  });

  it('no built-in account: the only account a fresh server has is the first admin it was given', async () => {
    // Every other account in this file was made by the tests: `<role>-<random>@test.example`.
    const builtIn = await query<{ email: string }>(
      t,
      "SELECT email FROM users WHERE email !~ '^[a-z]+-[0-9a-f]{10}@test\\.example$' ORDER BY email",
    );
    expect(builtIn).toEqual([{ email: TEST_ADMIN.email }]);
  });

  it.each([
    ['admin@weather.local', 'admin-password'],
    ['admin@test.example', 'administrator'],
    ['root@localhost.localdomain', 'root-password'],
    ['demo@weather.local', 'demo-password'],
  ])('default credentials do not log in: %s / %s -> 401', async (email, password) => {
    expectUnauthenticated(await expectUnchangedBy(t, () => loginAttempt(email, password)));
  });

  it('the first admin cannot be given a placeholder or short password, nor the server a weak JWT key', () => {
    const base = {
      NODE_ENV: 'production',
      JWT_SECRET: strongJwtSecret(),
      JWT_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    for (const env of [
      {
        ...base,
        BOOTSTRAP_ADMIN_EMAIL: 'a@b.example',
        BOOTSTRAP_ADMIN_PASSWORD: 'changeme-password',
      },
      { ...base, BOOTSTRAP_ADMIN_EMAIL: 'a@b.example', BOOTSTRAP_ADMIN_PASSWORD: 'short' },
      { NODE_ENV: 'production' },
      // An HS256 secret does not replace the key that encrypts the ring's keys.
      { NODE_ENV: 'production', JWT_SECRET: strongJwtSecret() },
      { NODE_ENV: 'production', JWT_SECRET: 'your-jwt-secret-goes-here-please-change' },
      { NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(64) },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
    expect(() => loadConfig(base)).not.toThrow();
  });

  it('passwords are stored as argon2id hashes only; 12 to 128 characters, long passphrases welcome', async () => {
    const email = uniqueEmail('storage');
    const passphrase = 'correct horse battery staple '.repeat(4).slice(0, 100);
    await request(t.server)
      .post('/v1/auth/register')
      .send({ email, password: passphrase })
      .expect(201);
    const [row] = await query<{ password_hash: string }>(
      t,
      'SELECT password_hash FROM users WHERE email = $1',
      [email],
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row.password_hash).not.toContain(passphrase);

    for (const password of ['11 chars!!!', 'x'.repeat(129)]) {
      const tooShortOrLong = uniqueEmail('bounds');
      const res = await expectUnchangedBy(t, () =>
        request(t.server).post('/v1/auth/register').send({ email: tooShortOrLong, password }),
      );
      expectStatus(res, 400);
    }
  });
});

describe('API2 sessions end when they should (e2e)', () => {
  it('reusing a rotated refresh token ends the whole session: new tokens included', async () => {
    const user = await signedInUser(t, 'viewer');
    const rotated = await refresh(t, user.session.refreshToken);
    expectStatus(rotated, 200);
    const next = rotated.body as { accessToken: string; refreshToken: string };

    expectUnauthenticated(await refresh(t, user.session.refreshToken));

    expectUnauthenticated(await me(t, bearerHeader(next.accessToken)));
    expectUnauthenticated(await refresh(t, next.refreshToken));
    await auditRowsEventually(t, 'auth.refresh.reused', (row) => row.actor_id === user.id);
  });

  it('logout ends the session at once: the access token is refused on the next request', async () => {
    const user = await signedInUser(t, 'viewer');
    const other = await login(t, user);
    expectStatus(await logout(t, user.auth), 204);
    expectUnauthenticated(await me(t, user.auth));
    expectUnauthenticated(await refresh(t, user.session.refreshToken));
    expectStatus(await me(t, other.auth), 200);
  });
});

describe('API2 credentials never reach the log (e2e)', () => {
  it('the log captures requests (control), without the headers that carry credentials', async () => {
    const lines = logLines.length;
    await request(t.server).get('/v1/stations').set(key.auth).expect(200);
    await me(t, operator.auth).expect(200);
    const text = logLines.slice(lines).join('');
    expect(text).toContain('/v1/stations');
    expect(text).toContain('/v1/auth/me');
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(operator.session.accessToken);
  });

  // The request log keeps the path and the names of query parameters, never their values
  // (src/logging/logging.module.ts, describeUrl).
  it('a key or token misplaced in the URL is refused and not written to the log', async () => {
    const lines = logLines.length;
    expectUnauthenticated(await request(t.server).get(`/v1/stations?api_key=${key.key}`));
    expectUnauthenticated(
      await request(t.server).get(`/v1/stations?access_token=${operator.session.accessToken}`),
    );
    const text = logLines.slice(lines).join('');
    expect(text).toContain('/v1/stations');
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(operator.session.accessToken);
  });
});
