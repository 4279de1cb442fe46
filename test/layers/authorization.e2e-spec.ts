import { Body, Controller, Get, HttpCode, Injectable, Param, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import request from 'supertest';
import { AuthenticationGuard } from '../../src/security/authorization/authentication.guard';
import { AuthorizationGuard } from '../../src/security/authorization/authorization.guard';
import { AuthorizationModule } from '../../src/security/authorization/authorization.module';
import type { CredentialSource } from '../../src/security/authorization/authorization.options';
import { CurrentPrincipal } from '../../src/security/authorization/current-principal.decorator';
import { TWO_CREDENTIALS_DETAIL } from '../../src/security/authorization/unauthenticated.problem';
import { assertCanManage } from '../../src/security/authorization/ownership';
import {
  Credentials,
  Public,
  Roles,
  Scopes,
} from '../../src/security/authorization/policy.decorators';
import type {
  ApiKeyPrincipal,
  Principal,
  UserPrincipal,
} from '../../src/security/authorization/principal';
import { LayerApp, UNAUTHENTICATED_PROBLEM, startLayerApp } from '../support/layer-app';

/**
 * The authorization layer alone: AuthorizationModule.forRoot, the host's two APP_GUARD lines, a
 * demo controller and two tiny passport strategies of the host's own. No JWT, no API-key table,
 * no database: the layer does not care how a caller was proven, only what principal came out.
 */

const VIEWER: UserPrincipal = {
  kind: 'user',
  userId: 'viewer-1',
  role: 'viewer',
  sessionId: 's-1',
  tokenId: 't-1',
};
const OTHER_VIEWER: UserPrincipal = { ...VIEWER, userId: 'viewer-2', sessionId: 's-2' };
const ADMIN: UserPrincipal = {
  kind: 'user',
  userId: 'admin-1',
  role: 'admin',
  sessionId: 's-3',
  tokenId: 't-3',
};
const KEY: ApiKeyPrincipal = {
  kind: 'api-key',
  apiKeyId: 'key-1',
  keyId: '0123456789abcdef',
  ownerId: 'operator-1',
  ownerRole: 'operator',
  scopes: ['stations:read'],
  resourceId: null,
  rateLimitPerMinute: null,
};

/** Demo bearer values -> fixed principals (a Map, so `__proto__` and friends are just unknown). */
const PEOPLE = new Map<string, Principal>([
  ['viewer-token', VIEWER],
  ['other-viewer-token', OTHER_VIEWER],
  ['admin-token', ADMIN],
]);
const KEYS = new Map<string, Principal>([['demo-key', KEY]]);

/** People: `Authorization: Bearer <demo value>`. */
@Injectable()
class DemoBearerStrategy extends Strategy {
  name = 'demo-bearer';
  override authenticate(req: Request): void {
    const value = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const principal = value === undefined ? undefined : PEOPLE.get(value);
    if (principal) this.success(principal);
    else this.fail(401);
  }
}

/** Applications: `X-Demo-Key: <demo value>`. */
@Injectable()
class DemoKeyStrategy extends Strategy {
  name = 'demo-key';
  override authenticate(req: Request): void {
    const value = req.headers['x-demo-key'];
    const principal = typeof value === 'string' ? KEYS.get(value) : undefined;
    if (principal) this.success(principal);
    else this.fail(401);
  }
}

/** Notes with an owner, for the object-level check. */
const NOTES = new Map([['note-1', { id: 'note-1', ownerId: VIEWER.userId, text: 'mine' }]]);

let calls = 0;

@Controller('demo')
class DemoController {
  @Get('public')
  @Public()
  open(): { ok: true } {
    calls += 1;
    return { ok: true };
  }

  @Get('me')
  @Credentials('user', 'api-key')
  @Scopes('stations:read')
  me(@CurrentPrincipal() caller: Principal): Principal {
    calls += 1;
    return caller;
  }

  @Get('admin')
  @Credentials('user')
  @Roles('admin')
  adminRead(@CurrentPrincipal() caller: Principal): { userId: string } {
    calls += 1;
    return { userId: caller.kind === 'user' ? caller.userId : '' };
  }

  @Post('admin')
  @HttpCode(200)
  @Credentials('user')
  @Roles('admin')
  adminWrite(@Body() body: unknown): { received: unknown } {
    calls += 1;
    return { received: body };
  }

  @Get('readings')
  @Credentials('user', 'api-key')
  @Scopes('observations:read')
  readings(): { ok: true } {
    calls += 1;
    return { ok: true };
  }

  /** No policy at all. */
  @Get('undeclared')
  undeclared(): { ok: true } {
    calls += 1;
    return { ok: true };
  }

  @Get('notes/:id')
  @Credentials('user', 'api-key')
  @Scopes('stations:read')
  note(@CurrentPrincipal() caller: Principal, @Param('id') id: string): { text: string } {
    calls += 1;
    const note = NOTES.get(id);
    assertCanManage(caller, note?.ownerId ?? null, 'Note');
    return { text: (note as { text: string }).text };
  }
}

const CREDENTIALS: CredentialSource[] = [
  { header: 'authorization', strategy: DemoBearerStrategy },
  { header: 'X-Demo-Key', strategy: DemoKeyStrategy },
];

function host(credentials: CredentialSource[], strategies: object[]) {
  return {
    imports: [AuthorizationModule.forRoot({ credentials })],
    controllers: [DemoController],
    providers: [
      ...(strategies as never[]),
      // The host decides where the guards run among its own (here: there are no others).
      { provide: APP_GUARD, useExisting: AuthenticationGuard },
      { provide: APP_GUARD, useExisting: AuthorizationGuard },
    ],
  };
}

/**
 * The layer's problems as a host without the app's problem-details filter renders them (Nest's
 * own filter, ProblemException.getResponse): the problem fields, without instance/requestId.
 */
const problem = (status: number, title: string, detail: string) => ({
  type: 'about:blank',
  title,
  status,
  detail,
});
const UNAUTHENTICATED = UNAUTHENTICATED_PROBLEM;
const forbidden = (detail: string) => problem(403, 'Forbidden', detail);
const bearer = (value: string) => ({ Authorization: `Bearer ${value}` });

describe('authorization layer alone', () => {
  let app: LayerApp;

  beforeAll(async () => {
    app = await startLayerApp(host(CREDENTIALS, [DemoBearerStrategy, DemoKeyStrategy]));
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    calls = 0;
  });

  describe('authentication: default deny', () => {
    it('no credential: 401 with the one generic body, the handler is not called', async () => {
      const res = await request(app.server).get('/demo/me');
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHENTICATED);
      expect(calls).toBe(0);
    });

    it('@Public: 200 without a credential', async () => {
      const res = await request(app.server).get('/demo/public');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
      expect(calls).toBe(1);
    });

    it('a known credential reaches the handler with the principal its strategy produced', async () => {
      const person = await request(app.server).get('/demo/me').set(bearer('viewer-token'));
      expect(person.status).toBe(200);
      expect(person.body).toEqual(VIEWER);
      // The header name is configured as `X-Demo-Key`: matched whatever its case.
      const key = await request(app.server).get('/demo/me').set('x-demo-key', 'demo-key');
      expect(key.status).toBe(200);
      expect(key.body).toEqual(KEY);
      expect(calls).toBe(2);
    });

    it.each([
      ['an unknown bearer value', bearer('guessed')],
      ['an inherited property name as bearer value', bearer('__proto__')],
      ['a non-bearer Authorization', { Authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ['an unknown key', { 'X-Demo-Key': 'guessed' }],
      ['an empty key header', { 'X-Demo-Key': '' }],
    ])('%s: 401, not called', async (_name, headers: Record<string, string>) => {
      const res = await request(app.server).get('/demo/me').set(headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHENTICATED);
      expect(calls).toBe(0);
    });

    it('two credential headers, each valid alone: 401 saying why, not called', async () => {
      const res = await request(app.server)
        .get('/demo/me')
        .set(bearer('admin-token'))
        .set('X-Demo-Key', 'demo-key');
      expect(res.status).toBe(401);
      // The same problem, but its detail tells the caller (e.g. Swagger UI with both schemes
      // authorised) what to change; it says nothing about either credential.
      expect(res.body).toEqual({ ...UNAUTHENTICATED, detail: TWO_CREDENTIALS_DETAIL });
      expect(calls).toBe(0);
    });
  });

  describe('function level: the declared policy', () => {
    it('a viewer on an admin route: 403, not called; the admin: 200', async () => {
      const viewer = await request(app.server).get('/demo/admin').set(bearer('viewer-token'));
      expect(viewer.status).toBe(403);
      expect(viewer.body).toEqual(forbidden('Your role does not allow this.'));
      expect(calls).toBe(0);
      const admin = await request(app.server).get('/demo/admin').set(bearer('admin-token'));
      expect(admin.status).toBe(200);
      expect(admin.body).toEqual({ userId: ADMIN.userId });
      expect(calls).toBe(1);
    });

    it('a key lacking the scope: 403, not called; with it: 200', async () => {
      const lacking = await request(app.server).get('/demo/readings').set('X-Demo-Key', 'demo-key');
      expect(lacking.status).toBe(403);
      expect(lacking.body).toEqual(forbidden('This API key lacks the scope this route needs.'));
      expect(calls).toBe(0);
      const having = await request(app.server).get('/demo/me').set('X-Demo-Key', 'demo-key');
      expect(having.status).toBe(200);
      expect(calls).toBe(1);
    });

    it('a key on a people-only route: 403, not called', async () => {
      const res = await request(app.server).get('/demo/admin').set('X-Demo-Key', 'demo-key');
      expect(res.status).toBe(403);
      expect(res.body).toEqual(forbidden('This route does not accept this kind of credential.'));
      expect(calls).toBe(0);
    });

    it('a route with no declared policy is closed: 401 anonymously, 403 even for the admin', async () => {
      const anonymous = await request(app.server).get('/demo/undeclared');
      expect(anonymous.status).toBe(401);
      for (const headers of [bearer('admin-token'), { 'X-Demo-Key': 'demo-key' }]) {
        const res = await request(app.server).get('/demo/undeclared').set(headers);
        expect(res.status).toBe(403);
        expect(res.body).toEqual(forbidden('This route does not accept this kind of credential.'));
      }
      expect(calls).toBe(0);
    });

    it('a forged role in headers, query or body changes nothing: the principal comes from the strategy', async () => {
      const forged = [
        request(app.server)
          .get('/demo/admin?role=admin&user[role]=admin')
          .set(bearer('viewer-token'))
          .set('X-Role', 'admin')
          .set('X-User-Role', 'admin'),
        request(app.server)
          .post('/demo/admin')
          .set(bearer('viewer-token'))
          .send({ role: 'admin', user: ADMIN, principal: ADMIN }),
      ];
      for (const res of await Promise.all(forged)) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual(forbidden('Your role does not allow this.'));
      }
      // Without a credential, a body claiming to be the admin is just a body.
      const anonymous = await request(app.server).post('/demo/admin').send({ user: ADMIN });
      expect(anonymous.status).toBe(401);
      expect(calls).toBe(0);
      // And the viewer still reads as a viewer.
      const me = await request(app.server)
        .get('/demo/me')
        .set(bearer('viewer-token'))
        .set('X-Role', 'admin');
      expect(me.body).toEqual(VIEWER);
    });
  });

  describe('object level: assertCanManage', () => {
    it('the owner reads its note: 200', async () => {
      const res = await request(app.server).get('/demo/notes/note-1').set(bearer('viewer-token'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ text: 'mine' });
    });

    it('another principal: 404, the same answer as a note that does not exist', async () => {
      const missing = await request(app.server)
        .get('/demo/notes/no-such-note')
        .set(bearer('other-viewer-token'));
      expect(missing.status).toBe(404);
      for (const headers of [bearer('other-viewer-token'), { 'X-Demo-Key': 'demo-key' }]) {
        const res = await request(app.server).get('/demo/notes/note-1').set(headers);
        expect(res.status).toBe(404);
        expect(res.body).toEqual(missing.body);
        expect(res.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'Note not found.',
        });
      }
    });

    it('the admin manages every object: 200', async () => {
      const res = await request(app.server).get('/demo/notes/note-1').set(bearer('admin-token'));
      expect(res.status).toBe(200);
    });
  });
});

describe('authorization layer: configuration fails the start, never every request', () => {
  it('a configured strategy that no module provides', async () => {
    await expect(startLayerApp(host(CREDENTIALS, [DemoBearerStrategy]))).rejects.toThrow(
      'AuthorizationModule: the strategy DemoKeyStrategy for the "x-demo-key" header is not provided by any module of the app',
    );
  });

  it('a provider that is not a passport strategy', async () => {
    @Injectable()
    class NotAStrategy {}
    const credentials = [{ header: 'x-other', strategy: NotAStrategy as never }];
    await expect(startLayerApp(host(credentials, [NotAStrategy]))).rejects.toThrow(
      'NotAStrategy for the "x-other" header is not a passport strategy',
    );
  });

  it('the same header twice, or no credential at all', async () => {
    const twice = [...CREDENTIALS, { header: 'Authorization', strategy: DemoKeyStrategy }];
    await expect(startLayerApp(host(twice, [DemoBearerStrategy, DemoKeyStrategy]))).rejects.toThrow(
      'the header "authorization" is configured twice',
    );
    await expect(startLayerApp(host([], []))).rejects.toThrow(
      'AuthorizationModule: invalid options: credentials must name at least one header',
    );
  });
});
