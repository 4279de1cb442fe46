import { randomBytes } from 'node:crypto';
import { Controller, Get, Global, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import request from 'supertest';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import type { UserPrincipal } from '../../src/security/authorization/principal';
import { AuthEndpointsModule } from '../../src/security/jwt/auth-endpoints.module';
import type { AuthEndpointsOptions } from '../../src/security/jwt/auth-endpoints.options';
import { JwtAuthModule } from '../../src/security/jwt/jwt-auth.module';
import { TokenService } from '../../src/security/jwt/token.service';
import { accessClaims, decodeJwt, encodeJwt, nowSeconds, signJwt } from '../support/jwt';
import { Session, bearerHeader } from '../support/sign-in';
import { LayerApp, UserRow, insertUser, startLayerApp } from '../support/layer-app';

/**
 * The JWT layer alone: JwtAuthModule.forRoot, a demo route behind @nestjs/passport's
 * AuthGuard('jwt') (the stock way a Nest app uses a passport strategy), and the host's
 * DataSource. Users are rows inserted with SQL; sessions come from TokenService. Every refused
 * token must never reach the handler.
 */

const OPTIONS = {
  secret: randomBytes(32),
  keyEncryptionKey: randomBytes(32),
  issuer: 'layer-test-issuer',
  audience: 'layer-test-audience',
  accessTtlSeconds: 300,
  refreshTtlSeconds: 3600,
};

let handlerCalls = 0;

@Controller('demo')
class DemoController {
  @Get('whoami')
  @UseGuards(AuthGuard('jwt'))
  whoami(@Req() req: { user: UserPrincipal }): UserPrincipal {
    handlerCalls += 1;
    return req.user;
  }
}

let layer: LayerApp;
let tokens: TokenService;

beforeAll(async () => {
  layer = await startLayerApp(
    { imports: [JwtAuthModule.forRoot(OPTIONS)], controllers: [DemoController] },
    { database: true },
  );
  tokens = layer.app.get(TokenService);
});
afterAll(() => layer.close());
beforeEach(() => {
  handlerCalls = 0;
});

async function signIn(user: UserRow): Promise<Session> {
  const pair = await tokens.startSession(user);
  return { ...pair, auth: bearerHeader(pair.accessToken) };
}

function whoami(headers: Record<string, string>, query: Record<string, string> = {}) {
  return request(layer.server).get('/demo/whoami').query(query).set(headers);
}

/** Refused by the strategy: Nest's plain 401 from AuthGuard, and the handler never ran. */
function expectRefused(res: Response): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: 401,
    body: { statusCode: 401, message: 'Unauthorized' },
  });
  expect(handlerCalls).toBe(0);
}

async function sessionRow(
  sessionId: string,
): Promise<{ revoked_at: Date | null; revoked_reason: string | null }> {
  const rows = await layer.dataSource.query<
    { revoked_at: Date | null; revoked_reason: string | null }[]
  >('SELECT revoked_at, revoked_reason FROM auth_sessions WHERE id = $1', [sessionId]);
  return rows[0];
}

describe('JWT layer alone: access tokens (e2e)', () => {
  it('a token from TokenService -> 200 with the principal, its role read from the database', async () => {
    const user = await insertUser(layer, 'operator');
    const session = await signIn(user);
    const { sid, jti, iss, aud, typ } = decodeJwt(session.accessToken).payload;
    expect({ iss, aud, typ }).toEqual({
      iss: OPTIONS.issuer,
      aud: OPTIONS.audience,
      typ: 'access',
    });

    const res = await whoami(session.auth);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: 'user',
      userId: user.id,
      role: 'operator',
      sessionId: sid,
      tokenId: jti,
      // How the session was proved, read with it: a password only, no second factor.
      authentication: { amr: ['pwd'], mfaAt: null, mfaEnrolled: false },
    });
    expect(handlerCalls).toBe(1);

    // A demotion in the database applies to the very same token at once.
    await layer.dataSource.query(`UPDATE users SET role = 'viewer' WHERE id = $1`, [user.id]);
    const demoted = await whoami(session.auth);
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ userId: user.id, role: 'viewer' });
  });

  it('no token -> 401, the handler never runs', async () => {
    expectRefused(await whoami({}));
  });

  describe('forged or unusable tokens -> 401, the handler never runs', () => {
    let session: Session;
    beforeAll(async () => {
      session = await signIn(await insertUser(layer, 'operator'));
    });
    const claims = (overrides: Record<string, unknown> = {}) => accessClaims(session, overrides);

    it.each([
      ['alg "none", unsigned', () => encodeJwt({ alg: 'none', typ: 'JWT' }, claims())],
      ['signed with another secret', () => signJwt(claims(), randomBytes(32))],
      [
        'expired (right secret)',
        () => signJwt(claims({ iat: nowSeconds() - 3600, exp: nowSeconds() - 60 }), OPTIONS.secret),
      ],
      ['no exp claim (right secret)', () => signJwt(claims({ exp: undefined }), OPTIONS.secret)],
      [
        'wrong issuer (right secret)',
        () => signJwt(claims({ iss: 'someone-else' }), OPTIONS.secret),
      ],
      [
        'wrong audience (right secret)',
        () => signJwt(claims({ aud: 'another-api' }), OPTIONS.secret),
      ],
      ['typ "refresh" (right secret)', () => signJwt(claims({ typ: 'refresh' }), OPTIONS.secret)],
      ['HS512 with the right secret', () => signJwt(claims(), OPTIONS.secret, 'HS512')],
      ['the refresh token as a bearer token', () => session.refreshToken],
    ])('%s', async (_name, token) => {
      expectRefused(await whoami(bearerHeader(token())));
    });

    it('the valid token anywhere but the Authorization header (query string, no scheme)', async () => {
      expectRefused(await whoami({}, { access_token: session.accessToken }));
      expectRefused(await whoami({ Authorization: session.accessToken }));
      // ...while in the header it works, so the refusals above are about the place.
      expect((await whoami(session.auth)).status).toBe(200);
    });
  });

  it('a forged "role: admin" claim, validly signed, does not raise a viewer: the database role wins', async () => {
    const viewer = await insertUser(layer, 'viewer');
    const session = await signIn(viewer);
    const forged = signJwt(accessClaims(session, { role: 'admin' }), OPTIONS.secret);
    expect(decodeJwt(forged).payload.role).toBe('admin');

    const res = await whoami(bearerHeader(forged));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: viewer.id, role: 'viewer' });
  });
});

describe('JWT layer alone: tokens that stop working (e2e)', () => {
  it('after logout (TokenService.revokeSession) -> 401; the user’s other session still works', async () => {
    const user = await insertUser(layer, 'operator');
    const session = await signIn(user);
    const other = await signIn(user);
    const sid = decodeJwt(session.accessToken).payload.sid as string;
    expect((await whoami(session.auth)).status).toBe(200);
    handlerCalls = 0;

    await tokens.revokeSession(sid, 'logout');

    expectRefused(await whoami(session.auth));
    expect(await sessionRow(sid)).toMatchObject({ revoked_reason: 'logout' });
    expect((await whoami(other.auth)).status).toBe(200);
    expect(await tokens.refresh(session.refreshToken)).toMatchObject({ ok: false, reused: false });
  });

  it('of a user disabled in the database -> 401 at once, and no refresh', async () => {
    const user = await insertUser(layer, 'operator');
    const session = await signIn(user);
    expect((await whoami(session.auth)).status).toBe(200);
    handlerCalls = 0;

    await layer.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]);

    expectRefused(await whoami(session.auth));
    expect(await tokens.refresh(session.refreshToken)).toMatchObject({ ok: false, reused: false });
  });
});

describe('JWT layer alone: refresh rotation (e2e)', () => {
  it('a refresh gives a new pair in the same session; the refresh tokens are stored as hashes only', async () => {
    const user = await insertUser(layer, 'operator');
    const first = await signIn(user);

    const outcome = await tokens.refresh(first.refreshToken);

    if (!outcome.ok) throw new Error(`refresh failed: ${JSON.stringify(outcome)}`);
    const second = outcome.pair;
    expect(second.refreshToken).toMatch(/^wxr_[A-Za-z0-9_-]{43}$/);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.accessToken).payload.sid).toBe(
      decodeJwt(first.accessToken).payload.sid,
    );
    const res = await whoami(bearerHeader(second.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: user.id, sessionId: outcome.sessionId });

    const stored = await layer.dataSource.query<{ row: string }[]>(
      'SELECT r::text AS row FROM refresh_tokens r',
    );
    const text = stored.map((r) => r.row).join('\n');
    expect(text).not.toContain(first.refreshToken.slice(4));
    expect(text).not.toContain(second.refreshToken.slice(4));
  });

  it('reusing a rotated refresh token revokes the family: its newest refresh and its access tokens fail', async () => {
    const user = await insertUser(layer, 'operator');
    const other = await signIn(user); // another login of the same user
    const first = await signIn(user);
    const rotated = await tokens.refresh(first.refreshToken);
    if (!rotated.ok) throw new Error('refresh failed');
    const sid = rotated.sessionId;

    const reuse = await tokens.refresh(first.refreshToken);

    expect(reuse).toEqual({ ok: false, reused: true, userId: user.id, sessionId: sid });
    expect(await sessionRow(sid)).toMatchObject({ revoked_reason: 'refresh_reuse' });
    expectRefused(await whoami(bearerHeader(rotated.pair.accessToken)));
    expectRefused(await whoami(first.auth));
    expect(await tokens.refresh(rotated.pair.refreshToken)).toEqual({
      ok: false,
      reused: false,
      sessionId: sid,
    });
    expect((await whoami(other.auth)).status).toBe(200);
  });
});

describe('JWT layer: fail closed at start (e2e)', () => {
  /** Starts a host of JwtAuthModule with `options` on the test's DataSource; resolves if it started. */
  async function startHost(options: Parameters<typeof JwtAuthModule.forRoot>[0]): Promise<void> {
    const dataSource = layer.dataSource;
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
    class HostDatabaseModule {}
    @Module({ imports: [HostDatabaseModule, JwtAuthModule.forRoot(options)] })
    class Host {}
    const app = await NestFactory.create(Host, { logger: false, abortOnError: false });
    await app.close();
  }

  it('AuthEndpointsModule without a login-attempts limiter refuses to start, naming the option', async () => {
    const dataSource = layer.dataSource;
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
    class HostDatabaseModule {}
    @Module({
      imports: [
        HostDatabaseModule,
        JwtAuthModule.forRoot(OPTIONS),
        AuthEndpointsModule.forRoot({} as AuthEndpointsOptions),
      ],
    })
    class Host {}
    await expect(NestFactory.create(Host, { logger: false, abortOnError: false })).rejects.toThrow(
      /AuthEndpointsModule: invalid options: loginAttempts is required/,
    );
  });

  it('a secret shorter than 32 bytes stops the start', async () => {
    await expect(startHost({ ...OPTIONS, secret: randomBytes(31) })).rejects.toThrow(
      /at least 32 bytes/,
    );
  });

  // Each of these would quietly switch a check off: an empty or missing issuer or audience is
  // not checked by jsonwebtoken and passport-jwt at all.
  it.each([
    [
      'issuer ""',
      { issuer: '' },
      /JwtAuthModule: invalid options: issuer must be a non-empty string/,
    ],
    ['audience undefined', { audience: undefined }, /audience must be a non-empty string/],
    ['accessTtlSeconds 0', { accessTtlSeconds: 0 }, /accessTtlSeconds must be a positive integer/],
    ['refreshTtlSeconds NaN', { refreshTtlSeconds: NaN }, /refreshTtlSeconds must be a positive/],
    [
      'refreshTtlSeconds below accessTtlSeconds',
      { accessTtlSeconds: 600, refreshTtlSeconds: 300 },
      /refreshTtlSeconds must be at least accessTtlSeconds/,
    ],
  ])('%s stops the start with a message naming the option', async (_name, bad, message) => {
    // As a host's unchecked configuration could hand them over.
    const options = { ...OPTIONS, ...bad } as Parameters<typeof JwtAuthModule.forRoot>[0];
    await expect(startHost(options)).rejects.toThrow(message);
  });
});
