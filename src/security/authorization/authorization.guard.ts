import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Principal } from './principal';
import { readPolicy } from './route-policy';
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
  constructor(private readonly reflector: Reflector) {}

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
    return true;
  }
}
