import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MFA_POLICY, MfaPolicy } from './mfa-policy';
import { MfaEnrolmentRequiredProblem, MfaRequiredProblem } from './mfa-required.problem';
import type { Principal } from './principal';
import { RoutePolicy, readPolicy } from './route-policy';
import { ForbiddenProblem } from './forbidden.problem';
import { UnauthenticatedProblem } from './unauthenticated.problem';

/**
 * Global, after authentication: function-level authorization (API5:2023). The caller is
 * known; the route's declared policy decides. Anything not declared is refused (fail closed):
 * a route without @Credentials, or one that accepts keys but names no scopes.
 * No caller at all on a closed route is 401, not a crash. Object-level checks (ownership)
 * happen in the handlers, where the object is loaded. The layers' own management controllers
 * also name it in @UseGuards, so they stay closed in a host without these global guards.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    // Global, from the MFA layer; absent, @RequiresMfa routes refuse (fail closed).
    @Optional() @Inject(MFA_POLICY) private readonly mfa?: MfaPolicy,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const policy = readPolicy(this.reflector, context.getHandler(), context.getClass());
    if (policy.isPublic) return true;
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    // No caller on a closed route: nothing authenticated it (a host without our
    // AuthenticationGuard, or a guard that let it through). Refuse as anonymous, never crash.
    if (!principal) throw new UnauthenticatedProblem();

    if (!policy.credentials?.includes(principal.kind)) {
      throw new ForbiddenProblem('This route does not accept this kind of credential.');
    }
    if (principal.kind === 'user' && policy.roles && !policy.roles.includes(principal.role)) {
      throw new ForbiddenProblem('Your role does not allow this.');
    }
    if (principal.kind === 'api-key') {
      const scopes = policy.scopes;
      if (!scopes || !scopes.every((scope) => principal.scopes.includes(scope))) {
        throw new ForbiddenProblem('This API key lacks the scope this route needs.');
      }
      // A key never does more than its owner: a demoted owner's keys lose what the role lost.
      if (policy.roles && !policy.roles.includes(principal.ownerRole)) {
        throw new ForbiddenProblem('The role of the owner of this API key does not allow this.');
      }
    }
    this.checkMfa(policy, principal);
    return true;
  }

  /**
   * Step-up (ASVS 6.3.3 / 7.5): on a @RequiresMfa route, a person with a second factor must
   * have proved it recently. A person without one has nothing to step up with and passes,
   * except an admin when MFA_REQUIRED_FOR_ADMINS is on, who is also refused on admin-only
   * routes until signed in with a second factor. API keys never pass a @RequiresMfa route. A
   * host without the MFA layer (no MFA_POLICY) has no second factors: only the key rule holds.
   */
  private checkMfa(policy: RoutePolicy, principal: Principal): void {
    if (principal.kind === 'api-key') {
      if (policy.requiresMfa) {
        throw new MfaRequiredProblem(
          'An API key cannot prove a second factor: use a person’s access token after a step-up.',
        );
      }
      return;
    }
    if (!this.mfa) return;
    const adminOnly = !!policy.roles?.length && policy.roles.every((role) => role === 'admin');
    const adminMustEnrol =
      this.mfa.requiredForAdmins && principal.role === 'admin' && (adminOnly || policy.requiresMfa);
    if (!policy.requiresMfa && !adminMustEnrol) return;
    // The host has MFA, but this principal's strategy cannot say how it signed in: refuse.
    const auth = principal.authentication;
    if (!auth) throw new MfaRequiredProblem();
    if (adminMustEnrol && (!auth.mfaEnrolled || auth.mfaAt === null)) {
      throw new MfaEnrolmentRequiredProblem();
    }
    if (!policy.requiresMfa || !auth.mfaEnrolled) return;
    const maxAgeMs = this.mfa.stepUpMaxAgeSeconds * 1000;
    if (auth.mfaAt === null || Date.now() - auth.mfaAt > maxAgeMs) throw new MfaRequiredProblem();
  }
}
