import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../users/user.entity';
import {
  CREDENTIALS_KEY,
  PUBLIC_KEY,
  REQUIRES_MFA_KEY,
  ROLES_KEY,
  SCOPES_KEY,
} from './policy.decorators';
import type { ApiKeyScope, CredentialKind } from './principal';

/** The effective policy of one handler: method metadata wins over its controller's. */
export interface RoutePolicy {
  isPublic: boolean;
  credentials: CredentialKind[] | undefined;
  roles: Role[] | undefined;
  scopes: ApiKeyScope[] | undefined;
  /** @RequiresMfa(): a recent second factor (see MfaPolicy). */
  requiresMfa: boolean;
}

/** `handler` and `controller` as Nest's ExecutionContext gives them (getHandler, getClass). */
export function readPolicy(
  reflector: Reflector,
  handler: ReturnType<ExecutionContext['getHandler']>,
  controller: ReturnType<ExecutionContext['getClass']>,
): RoutePolicy {
  const targets = [handler, controller];
  return {
    isPublic: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true,
    credentials: reflector.getAllAndOverride<CredentialKind[]>(CREDENTIALS_KEY, targets),
    roles: reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets),
    scopes: reflector.getAllAndOverride<ApiKeyScope[]>(SCOPES_KEY, targets),
    requiresMfa: reflector.getAllAndOverride<boolean>(REQUIRES_MFA_KEY, targets) === true,
  };
}
