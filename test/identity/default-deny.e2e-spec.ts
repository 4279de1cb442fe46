import { Controller, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CreatedKey, apiKeyHeader, createKey } from '../support/api-keys';
import { snapshot } from '../support/database';
import { Method, call } from '../support/http';
import { expectUnauthenticated } from '../support/problems';
import {
  RegisteredRoute,
  concretePath,
  policyProblems,
  registeredRoutes,
  routesOf,
  servedRoutes,
} from '../support/routes';
import { bearerHeader, signedInUser } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';
import {
  Credentials,
  Public,
  Roles,
  Scopes,
} from '../../src/security/authorization/policy.decorators';

/**
 * Default deny: every route the app registers is either explicitly @Public() or names the
 * credentials it accepts (and, for API keys, the scopes). Read from the running app, so a new
 * controller is checked the moment it is imported; then proven live by calling every route.
 */

/** The only routes anyone may call without a credential. */
const PUBLIC_ROUTES = [
  'GET /.well-known/jwks.json',
  'GET /health/live',
  'GET /health/ready',
  'POST /v1/auth/login',
  'POST /v1/auth/login/mfa',
  'POST /v1/auth/password-reset/confirm', // the token in the mailed link is the credential
  'POST /v1/auth/password-reset/request', // answers the same for every address
  'POST /v1/auth/refresh',
  'POST /v1/auth/register',
  'POST /v1/auth/verify-email', // the token in the mailed link is the credential
  'POST /v1/auth/verify-email/resend', // answers the same for every address
];

let t: TestApp;
let routes: RegisteredRoute[];
let protectedRoutes: RegisteredRoute[];
let fullKey: CreatedKey;

beforeAll(async () => {
  t = await startTestApp();
  routes = registeredRoutes(t.app);
  protectedRoutes = routes.filter((r) => !r.policy.isPublic);
  const operator = await signedInUser(t, 'operator');
  fullKey = await createKey(t, operator.auth, {
    scopes: ['stations:read', 'observations:read', 'observations:write'],
  });
});
afterAll(() => t.close());

/** Sends `headers` to every route in `list`; returns "route -> status" for each surprise. */
async function sweep(
  list: RegisteredRoute[],
  headers: Record<string, string>,
  expected: number,
): Promise<string[]> {
  const surprises: string[] = [];
  for (const route of list) {
    const res = await call(t, route.method as Method, concretePath(route.path), headers, {});
    if (res.status !== expected) surprises.push(`${route.name} -> ${res.status}`);
    else if (expected === 401) expectUnauthenticated(res);
  }
  return surprises;
}

describe('declared policies (e2e)', () => {
  it('finds the app’s routes, and they are exactly what the platform serves outside the API docs', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.map((r) => r.name)).toEqual(
      expect.arrayContaining(['GET /v1/stations', 'PATCH /v1/users/:id', 'POST /v1/auth/login']),
    );
    // A handler added straight on the platform would bypass Nest's guards: there must be none.
    const served = servedRoutes(t)
      .filter(({ path }) => !path.includes('*') && !path.startsWith('/docs'))
      .map(({ method, path }) => `${method} ${path}`)
      .sort((x, y) => x.localeCompare(y));
    expect(served).toEqual(routes.map((r) => r.name));
  });

  it('every route is @Public() or declares @Credentials(...); every api-key route declares @Scopes(...)', () => {
    expect(routes.flatMap(policyProblems)).toEqual([]);
  });

  it('the public routes are exactly the expected few', () => {
    expect(routes.filter((r) => r.policy.isPublic).map((r) => r.name)).toEqual(PUBLIC_ROUTES);
  });

  it('the check is not vacuous: it flags undeclared routes and api-key routes without scopes', () => {
    @Controller('naked')
    class Naked {
      @Get() undeclared(): void {}
      @Post('keys') @Credentials('user', 'api-key') keyWithoutScopes(): void {}
    }
    @Controller('fine')
    @Credentials('user')
    @Roles('admin')
    class Fine {
      @Get() inheritsTheClassPolicy(): void {}
      @Get('open') @Public() open(): void {}
      @Get('keys') @Credentials('api-key') @Scopes('stations:read') scoped(): void {}
    }
    const reflector = new Reflector();
    const flagged = routesOf(reflector, Naked).flatMap(policyProblems);
    expect(flagged).toEqual([
      'GET /naked (Naked.undeclared): neither @Public() nor @Credentials(...)',
      "POST /naked/keys (Naked.keyWithoutScopes): accepts 'api-key' without @Scopes(...)",
    ]);
    // A class-level policy covers its methods; a method-level @Public() opens just that one.
    const fine = routesOf(reflector, Fine);
    expect(fine.flatMap(policyProblems)).toEqual([]);
    expect(fine.map((r) => [r.name, r.policy.isPublic])).toEqual([
      ['GET /fine', false],
      ['GET /fine/open', true],
      ['GET /fine/keys', false],
    ]);
  });
});

describe('default deny is live (e2e)', () => {
  it('every non-public route answers an anonymous caller with the generic 401; nothing changed', async () => {
    const before = await snapshot(t);
    expect(await sweep(protectedRoutes, {}, 401)).toEqual([]);
    expect(await snapshot(t)).toEqual(before);
  });

  it('every non-public route answers a forged bearer token and an unknown API key with 401', async () => {
    const before = await snapshot(t);
    const forged = bearerHeader('eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.');
    const unknownKey = apiKeyHeader(`wxk_0123456789abcdef_${'A'.repeat(43)}`);
    expect(await sweep(protectedRoutes, forged, 401)).toEqual([]);
    expect(await sweep(protectedRoutes, unknownKey, 401)).toEqual([]);
    expect(await snapshot(t)).toEqual(before);
  });

  it('every route that does not accept API keys answers a valid full-scope key with 403', async () => {
    const peopleOnly = protectedRoutes.filter((r) => !r.policy.credentials?.includes('api-key'));
    expect(peopleOnly.length).toBeGreaterThan(0);
    const before = await snapshot(t);
    expect(await sweep(peopleOnly, fullKey.auth, 403)).toEqual([]);
    expect(await snapshot(t)).toEqual(before);
  });

  it('the public routes really are reachable without a credential (never 401/403)', async () => {
    const refused: string[] = [];
    for (const route of routes.filter((r) => r.policy.isPublic)) {
      const body = route.method === 'GET' ? undefined : {};
      const res = await call(t, route.method as Method, route.path, {}, body);
      if (res.status === 401 || res.status === 403) refused.push(`${route.name} -> ${res.status}`);
    }
    expect(refused).toEqual([]);
  });
});
