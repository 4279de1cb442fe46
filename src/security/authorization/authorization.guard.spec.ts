import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthorizationGuard } from './authorization.guard';
import type { MfaPolicy } from './mfa-policy';
import { MfaEnrolmentRequiredProblem, MfaRequiredProblem } from './mfa-required.problem';
import { Credentials, Public, RequiresMfa, Roles, Scopes } from './policy.decorators';
import type { ApiKeyPrincipal, ApiKeyScope, Principal, UserPrincipal } from './principal';
import { ForbiddenProblem } from './forbidden.problem';
import { UnauthenticatedProblem } from './unauthenticated.problem';
import type { Role } from '../../users/user.entity';

/**
 * The function-level policy check on its own: a table of declared policy x caller -> allowed
 * or ForbiddenProblem, with a real Reflector reading real decorators.
 */

class Routes {
  @Public() open(): void {}
  /** No policy at all: must fail closed for everyone. */
  undeclared(): void {}
  @Credentials('user') people(): void {}
  @Credentials('user') @Roles('admin') admins(): void {}
  @Credentials('user', 'api-key') @Scopes('stations:read') readStations(): void {}
  @Credentials('user', 'api-key')
  @Roles('operator', 'admin')
  @Scopes('observations:write')
  writeObservations(): void {}
  /** Accepts keys but names no scope: a misconfiguration, refused for keys. */
  @Credentials('user', 'api-key') keysWithoutScopes(): void {}
  @Credentials('api-key')
  @Scopes('observations:read', 'observations:write')
  keysOnlyBothScopes(): void {}
}

@Credentials('user')
@Roles('admin')
class AdminArea {
  /** Inherits the class policy. */
  inherited(): void {}
  /** Method metadata wins over the class's. */
  @Roles('viewer', 'operator', 'admin') widened(): void {}
  @Public() opened(): void {}
}

const user = (role: Role): UserPrincipal => ({
  kind: 'user',
  userId: `user-${role}`,
  role,
  sessionId: 'session',
  tokenId: 'jti',
});
const key = (scopes: ApiKeyScope[], ownerRole: Role = 'operator'): ApiKeyPrincipal => ({
  kind: 'api-key',
  apiKeyId: 'key-row',
  keyId: '0123456789abcdef',
  ownerId: 'owner',
  ownerRole,
  scopes,
  resourceId: null,
  rateLimitPerMinute: null,
});

const PRINCIPALS = {
  none: undefined,
  viewer: user('viewer'),
  operator: user('operator'),
  admin: user('admin'),
  'key stations:read': key(['stations:read']),
  'key observations:write': key(['observations:write']),
  'key observations:read+write': key(['observations:read', 'observations:write']),
  'key all scopes, admin owner': key(
    ['stations:read', 'observations:read', 'observations:write'],
    'admin',
  ),
  'key observations:write, owner demoted to viewer': key(['observations:write'], 'viewer'),
} as const;
type PrincipalName = keyof typeof PRINCIPALS;
const NAMES = Object.keys(PRINCIPALS) as PrincipalName[];

/** Allowed callers per route; every other caller must get a ForbiddenProblem. */
const ALLOWED: [string, object, string, PrincipalName[]][] = [
  ['open', Routes, 'open', NAMES],
  ['undeclared', Routes, 'undeclared', []],
  ['people', Routes, 'people', ['viewer', 'operator', 'admin']],
  ['admins', Routes, 'admins', ['admin']],
  [
    'readStations',
    Routes,
    'readStations',
    ['viewer', 'operator', 'admin', 'key stations:read', 'key all scopes, admin owner'],
  ],
  [
    'writeObservations',
    Routes,
    'writeObservations',
    [
      'operator',
      'admin',
      'key observations:write',
      'key observations:read+write',
      'key all scopes, admin owner',
    ],
  ],
  ['keysWithoutScopes', Routes, 'keysWithoutScopes', ['viewer', 'operator', 'admin']],
  [
    'keysOnlyBothScopes',
    Routes,
    'keysOnlyBothScopes',
    ['key observations:read+write', 'key all scopes, admin owner'],
  ],
  ['AdminArea.inherited', AdminArea, 'inherited', ['admin']],
  ['AdminArea.widened', AdminArea, 'widened', ['viewer', 'operator', 'admin']],
  ['AdminArea.opened', AdminArea, 'opened', NAMES],
];

function contextFor(
  controller: object,
  method: string,
  principal: Principal | undefined,
  request: object = principal === undefined ? {} : { user: principal },
): ExecutionContext {
  const cls = controller as { prototype: Record<string, () => void>; name: string };
  const handler = cls.prototype[method];
  return {
    getHandler: () => handler,
    getClass: () => cls,
    getType: () => 'http',
    getArgs: () => [request],
    getArgByIndex: (i: number) => [request][i],
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => ({}),
      getNext: () => () => undefined,
    }),
    switchToRpc: () => {
      throw new Error('not rpc');
    },
    switchToWs: () => {
      throw new Error('not ws');
    },
  } as unknown as ExecutionContext;
}

const CASES = ALLOWED.flatMap(([route, controller, method, allowed]) =>
  NAMES
    // Only public routes are ever reached without a principal (authentication runs first).
    .filter((name) => name !== 'none' || allowed.includes('none'))
    .map((name) => ({ route, controller, method, name, allowed: allowed.includes(name) })),
);

describe('AuthorizationGuard', () => {
  const guard = new AuthorizationGuard(new Reflector());

  it.each(CASES)(
    '$route as $name -> allowed: $allowed',
    ({ controller, method, name, allowed }) => {
      const context = contextFor(controller, method, PRINCIPALS[name]);
      if (allowed) {
        expect(guard.canActivate(context)).toBe(true);
        return;
      }
      let thrown: unknown;
      try {
        guard.canActivate(context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ForbiddenProblem);
      expect((thrown as ForbiddenProblem).getStatus()).toBe(403);
    },
  );

  // A host without the AuthenticationGuard (or a guard that lets a request through without
  // setting one) reaches this guard with no principal: 401, never a TypeError (a 500).
  const CLOSED = ALLOWED.filter(([, , , allowed]) => !allowed.includes('none'));
  it.each(CLOSED)(
    '%s with no principal -> UnauthenticatedProblem (401)',
    (_r, controller, method) => {
      for (const request of [{}, { user: undefined }, { user: null }]) {
        const context = contextFor(controller, method, undefined, request);
        let thrown: unknown;
        try {
          guard.canActivate(context);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(UnauthenticatedProblem);
        expect((thrown as UnauthenticatedProblem).getStatus()).toBe(401);
      }
    },
  );

  it('covers every principal for every route', () => {
    const perRoute = NAMES.length - 1; // "none" only where the route is public
    const publicRoutes = ALLOWED.filter(([, , , allowed]) => allowed.includes('none')).length;
    expect(CASES).toHaveLength(ALLOWED.length * perRoute + publicRoutes);
  });
});

describe('AuthorizationGuard: @RequiresMfa (step-up)', () => {
  class Sensitive {
    @Credentials('user', 'api-key') @Scopes('stations:read') @RequiresMfa() act(): void {}
    @Credentials('user') @Roles('admin') adminOnly(): void {}
  }
  const policy: MfaPolicy = { stepUpMaxAgeSeconds: 600, requiredForAdmins: false };
  const withMfa = (role: Role, mfaAt: number | null, mfaEnrolled = true): UserPrincipal => ({
    ...user(role),
    authentication: { amr: mfaAt === null ? ['pwd'] : ['pwd', 'otp'], mfaAt, mfaEnrolled },
  });
  /** `null`: a host without the MFA layer. */
  const check = (p: Principal, method = 'act', mfa: MfaPolicy | null = policy) =>
    new AuthorizationGuard(new Reflector(), mfa ?? undefined).canActivate(
      contextFor(Sensitive, method, p),
    );

  it('passes a recent MFA, refuses an old or missing one with MfaRequiredProblem', () => {
    expect(check(withMfa('operator', Date.now() - 1000))).toBe(true);
    expect(() => check(withMfa('operator', Date.now() - 601_000))).toThrow(MfaRequiredProblem);
    expect(() => check(withMfa('operator', null))).toThrow(MfaRequiredProblem);
    // With the MFA layer present, a principal that cannot say how it signed in: refused.
    expect(() => check(user('operator'))).toThrow(MfaRequiredProblem);
  });

  it('a person without a factor passes; an API key never does', () => {
    expect(check(withMfa('operator', null, false))).toBe(true);
    expect(() => check(key(['stations:read']))).toThrow(MfaRequiredProblem);
    expect(() => check(key(['stations:read']), 'act', null)).toThrow(MfaRequiredProblem);
  });

  it('without the MFA layer (no MFA_POLICY) people pass: there are no factors to ask for', () => {
    expect(check(user('operator'), 'act', null)).toBe(true);
  });

  it('requiredForAdmins: an admin without a proved factor is refused on admin-only routes', () => {
    const strict = { ...policy, requiredForAdmins: true };
    expect(() => check(withMfa('admin', null, false), 'adminOnly', strict)).toThrow(
      MfaEnrolmentRequiredProblem,
    );
    expect(check(withMfa('admin', Date.now() - 86_400_000), 'adminOnly', strict)).toBe(true);
    expect(check(withMfa('admin', null, false), 'adminOnly', policy)).toBe(true);
  });
});
