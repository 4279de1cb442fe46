import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from './openapi-schemes';
import type { Role } from '../../users/user.entity';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import type { ApiKeyScope, CredentialKind } from './principal';

export const PUBLIC_KEY = 'policy:public';
export const CREDENTIALS_KEY = 'policy:credentials';
export const ROLES_KEY = 'policy:roles';
export const SCOPES_KEY = 'policy:scopes';
export const REQUIRES_MFA_KEY = 'policy:requires-mfa';

/** No credential needed. Every other route is closed until it says who may call it. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/**
 * Which kinds of caller a route accepts: people with an access token (`user`), applications
 * with an API key (`api-key`), or both. Also documents the route's security in OpenAPI.
 */
export function Credentials(...kinds: CredentialKind[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(CREDENTIALS_KEY, kinds),
    ...(kinds.includes('user') ? [ApiBearerAuth(BEARER_SCHEME)] : []),
    ...(kinds.includes('api-key') ? [ApiSecurity(API_KEY_SCHEME)] : []),
    ApiProblems(401, 403),
  );
}

/** The roles a person needs (any of them). For an API key, its owner's current role must be one. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/**
 * The scopes an API key needs (all of them). Does not apply to people. A host passes its own
 * scope type, `Scopes<WeatherScope>('stations:read')`, so that a misspelt scope does not compile.
 */
export const Scopes = <S extends ApiKeyScope = ApiKeyScope>(
  ...scopes: S[]
): MethodDecorator & ClassDecorator => SetMetadata(SCOPES_KEY, scopes);

/**
 * A sensitive route: a person whose account has a second factor must have proved it within
 * MFA_STEP_UP_MAX_AGE_SECONDS (at login or by POST /v1/auth/mfa/step-up), or gets a 403 of
 * type mfa-required. API keys cannot prove one, so they are refused here.
 */
export const RequiresMfa = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRES_MFA_KEY, true), ApiProblems(403));
