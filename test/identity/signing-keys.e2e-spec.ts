import { execFile } from 'node:child_process';
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import {
  RotationTooEarlyError,
  SigningKeyRing,
} from '../../src/security/jwt/keys/signing-key-ring.service';
import { TokenService } from '../../src/security/jwt/token.service';
import { snapshot } from '../support/database';
import {
  accessClaims,
  decodeJwt,
  encodeJwt,
  hmacSignedJwt,
  nowSeconds,
  signAsApp,
} from '../support/jwt';
import { expectUnauthenticated } from '../support/problems';
import { SignedInUser, bearerHeader, login, me, refresh, signedInUser } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * The ES256 signing-key ring: JWKS, kid-only key choice with the algorithm pinned per key,
 * rotation without a logout, emergency revocation on every instance, an outside verifier.
 */

// Shared by both instances: the ring's private keys are encrypted with it.
const KEK = randomBytes(32).toString('base64');
const ENV = { JWT_KEY_ENCRYPTION_KEY: KEK, JWT_JWKS_MAX_AGE_SECONDS: '0' };
const VERIFIER = join(__dirname, '..', 'support', 'jwks-verifier.mjs');

let t: TestApp;
let user: SignedInUser;

beforeAll(async () => {
  t = await startTestApp(ENV);
  user = await signedInUser(t, 'operator');
});
afterAll(() => t.close());

const ring = () => t.app.get(SigningKeyRing);
const kidOf = (token: string) => decodeJwt(token).header.kid as string;

async function jwks(): Promise<Array<Record<string, unknown>>> {
  const res = await request(t.server).get('/.well-known/jwks.json').expect(200);
  return (res.body as { keys: Array<Record<string, unknown>> }).keys;
}

async function relogin(): Promise<void> {
  const session = await login(t, user);
  user = { ...user, session, auth: session.auth };
}

/** Runs the outside verifier (another program) against the app listening on a real port. */
async function verifyOutside(token: string): Promise<{ ok: boolean; payload?: unknown }> {
  if (!t.server.listening) {
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  }
  const { port } = t.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  const { stdout } = await promisify(execFile)(process.execPath, [
    VERIFIER,
    url,
    token,
    t.config.auth.jwtIssuer,
    t.config.auth.jwtAudience,
  ]);
  return JSON.parse(stdout) as { ok: boolean; payload?: unknown };
}

describe('signing keys (e2e)', () => {
  it('access tokens are ES256 with a kid from the ring; the JWKS is public, cacheable, public keys only', async () => {
    const header = decodeJwt(user.session.accessToken).header;
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const res = await request(t.server).get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=0');
    const keys = (res.body as { keys: Array<Record<string, unknown>> }).keys;
    expect(keys.map((k) => k.kid)).toContain(header.kid);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
    expect(res.text).not.toMatch(/"d"|PRIVATE|private_key/);
  });

  it('an outside verifier (jose in another process, only the JWKS URL) validates an access token', async () => {
    const verdict = await verifyOutside(user.session.accessToken);
    expect(verdict).toMatchObject({ ok: true, payload: { sub: user.id, typ: 'access' } });
    // ... and refuses what a gateway must refuse: a payload changed after signing.
    const { header, payload, signature } = decodeJwt(user.session.accessToken);
    const tampered = encodeJwt(header, { ...payload, sub: randomUUID() }, signature);
    expect(await verifyOutside(tampered)).toMatchObject({ ok: false });
  });

  it('a rotation too early (next key not yet a JWKS max-age old) is refused', async () => {
    const patient = await startTestApp({ ...ENV, JWT_JWKS_MAX_AGE_SECONDS: '300' });
    try {
      await expect(patient.app.get(SigningKeyRing).rotate()).rejects.toBeInstanceOf(
        RotationTooEarlyError,
      );
    } finally {
      await patient.close();
    }
  });

  it('the next key is in the JWKS before it signs; rotation ends no session; a retired key still verifies', async () => {
    const next = (await ring().status()).find((k) => k.state === 'next')!.kid;
    expect((await jwks()).map((k) => k.kid)).toContain(next);
    const oldToken = user.session.accessToken;

    await ring().rotate();

    const fresh = await login(t, user);
    expect(kidOf(fresh.accessToken)).toBe(next);
    await me(t, bearerHeader(oldToken)).expect(200); // retired: verifies until its tokens expire
    await me(t, fresh.auth).expect(200);
    const refreshed = await refresh(t, user.session.refreshToken).expect(200);
    expect(kidOf((refreshed.body as { accessToken: string }).accessToken)).toBe(next);
    user = { ...user, session: fresh, auth: fresh.auth };
  });

  it('a token of a removed key (retired past its time) is 401', async () => {
    const token = user.session.accessToken;
    await ring().rotate(); // the key of `token` is now retired
    await t.dataSource.query(
      `UPDATE signing_keys SET verify_until = now() - interval '1 second' WHERE kid = $1`,
      [kidOf(token)],
    );
    expectUnauthenticated(await me(t, bearerHeader(token))); // past its time: refused already
    await ring().rotate(); // ... and removed
    expect(
      await t.dataSource.query('SELECT 1 FROM signing_keys WHERE kid = $1', [kidOf(token)]),
    ).toEqual([]);
    expectUnauthenticated(await me(t, bearerHeader(token)));
    expect((await jwks()).map((k) => k.kid)).not.toContain(kidOf(token));
    await relogin();
  });

  it('rotation under load loses no session: requests and refreshes during rotations all succeed', async () => {
    const sessions = await Promise.all([1, 2, 3, 4].map(() => login(t, user)));
    const work = sessions.flatMap((s) => [
      me(t, s.auth).then((res) => res.status),
      refresh(t, s.refreshToken).then((res) => res.status),
    ]);
    const rotations = [ring().rotate(), ring().rotate()];
    const [statuses] = await Promise.all([Promise.all(work), Promise.all(rotations)]);
    expect(statuses).toEqual(statuses.map(() => 200));
    for (const s of sessions) await me(t, s.auth).expect(200); // signed by a key now retired
  });

  it('revoking a key refuses its tokens at once; a new current key takes over', async () => {
    const token = user.session.accessToken;
    await me(t, bearerHeader(token)).expect(200);
    await ring().revoke(kidOf(token));
    expectUnauthenticated(await me(t, bearerHeader(token)));
    expect((await jwks()).map((k) => k.kid)).not.toContain(kidOf(token));
    // The session itself is alive: its refresh token gets a token from the new key.
    const res = await refresh(t, user.session.refreshToken).expect(200);
    const after = (res.body as { accessToken: string }).accessToken;
    expect(kidOf(after)).not.toBe(kidOf(token));
    await me(t, bearerHeader(after)).expect(200);
    await relogin();
  });

  it('revocation does not depend on the cache: a key revoked by another instance (SQL here) is refused', async () => {
    const token = user.session.accessToken;
    await me(t, bearerHeader(token)).expect(200); // the key is in this instance's cache
    await t.dataSource.query(`UPDATE signing_keys SET state = 'revoked' WHERE kid = $1`, [
      kidOf(token),
    ]);
    expectUnauthenticated(await me(t, bearerHeader(token)));
    // ... and the database, not the cache, decides both ways: restored, the token works again.
    await t.dataSource.query(`UPDATE signing_keys SET state = 'current' WHERE kid = $1`, [
      kidOf(token),
    ]);
    await me(t, bearerHeader(token)).expect(200);
  });

  // Two instances share one database only on a server (PGlite is one process), as in
  // test/audit-multi-instance.e2e-spec.ts.
  const onServer = process.env.DATABASE_URL ? it : it.skip;
  onServer('a second instance verifies tokens of the first through the shared ring', async () => {
    const second = await startTestApp({ ...ENV, DATABASE_URL: t.config.database.url });
    try {
      const token = user.session.accessToken;
      await me(second, bearerHeader(token)).expect(200); // issued by the first instance
      const fromSecond = await login(second, user);
      await me(t, fromSecond.auth).expect(200);
      await ring().revoke(kidOf(token));
      expectUnauthenticated(await me(second, bearerHeader(token))); // no cache consulted
      const after = await login(second, user);
      expect(kidOf(after.accessToken)).not.toBe(kidOf(token));
      await me(t, after.auth).expect(200);
      user = { ...user, session: after, auth: after.auth };
    } finally {
      await second.close();
    }
  });

  it('ending every session (suspected compromise) refuses every access and refresh token at once', async () => {
    const other = await signedInUser(t, 'viewer');
    await me(t, user.auth).expect(200);
    expect(await t.app.get(TokenService).endEverySession()).toBeGreaterThanOrEqual(2);
    expectUnauthenticated(await me(t, user.auth));
    expectUnauthenticated(await me(t, other.auth));
    expect((await refresh(t, other.session.refreshToken)).status).toBe(401);
    await relogin(); // a new login works
    await me(t, user.auth).expect(200);
  });

  describe('forgeries -> 401, nothing changed', () => {
    const cases: Array<[string, () => Promise<string>]> = [
      [
        'alg none with a valid kid',
        () =>
          Promise.resolve(
            encodeJwt(
              { alg: 'none', typ: 'JWT', kid: kidOf(user.session.accessToken) },
              accessClaims(user.session),
            ),
          ),
      ],
      [
        'HS256 signed with the public key bytes (algorithm confusion)',
        async () => {
          const kid = kidOf(user.session.accessToken);
          const jwk = (await jwks()).find((k) => k.kid === kid)!;
          const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({
            type: 'spki',
            format: 'pem',
          });
          return hmacSignedJwt({ alg: 'HS256', typ: 'JWT', kid }, accessClaims(user.session), pem);
        },
      ],
      [
        'ES256 with a forged kid (validly signed by the current key)',
        () => signAsApp(t.app, accessClaims(user.session), { kid: 'not-in-the-ring' }),
      ],
      [
        'a kid with path characters (validly signed)',
        () => signAsApp(t.app, accessClaims(user.session), { kid: '../../etc/passwd' }),
      ],
      [
        'an embedded jwk header (validly signed)',
        async () => signAsApp(t.app, accessClaims(user.session), { jwk: (await jwks())[0] }),
      ],
      [
        'a jku header (validly signed)',
        () => signAsApp(t.app, accessClaims(user.session), { jku: 'https://evil.example/jwks' }),
      ],
      [
        'an x5u header (validly signed)',
        () => signAsApp(t.app, accessClaims(user.session), { x5u: 'https://evil.example/c.pem' }),
      ],
      [
        'an unknown crit header (validly signed)',
        () => signAsApp(t.app, accessClaims(user.session), { crit: ['exp-ext'], 'exp-ext': 1 }),
      ],
      [
        'iat in the future beyond the skew (validly signed)',
        () => signAsApp(t.app, accessClaims(user.session, { iat: nowSeconds() + 3600 })),
      ],
      [
        'no kid (validly signed)',
        () => signAsApp(t.app, accessClaims(user.session), { kid: undefined }),
      ],
    ];
    it.each(cases)('%s', async (_name, forge) => {
      const token = await forge();
      const before = await snapshot(t);
      expectUnauthenticated(await me(t, bearerHeader(token)));
      expect(await snapshot(t)).toEqual(before);
    });

    it('the same claims signed by the app key are accepted (the refusals are about the forgery)', async () => {
      await me(t, bearerHeader(await signAsApp(t.app, accessClaims(user.session)))).expect(200);
    });
  });
});
