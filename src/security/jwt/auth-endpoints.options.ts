import { OptionProblems } from '../../common/options/option-problems';
import type { User } from '../../users/user.entity';

/**
 * What the login routes need from a rate limiter: an attempt counted per account before the
 * password is checked, and given back when it was right. The throttling layer's
 * LoginAttemptsLimiter is one; the host passes it in, so this layer imports no other.
 */
export interface LoginAttempts {
  /** Counts an attempt (or throws a 429 problem); returns the refund for a correct password. */
  begin(email: string): Promise<() => Promise<void>>;
}

/** Settings of the /v1/auth routes (see README "Settings"). */
export interface AuthEndpointsOptions {
  /** `POST /v1/auth/register` creates viewer accounts. Default false. */
  registrationEnabled?: boolean;
  /** Required: without it, login and change-password would be open to guessing. */
  loginAttempts: LoginAttempts;
  /** Runs after a registration, in its transaction (this app: mail the verification link). */
  onRegistered?: (user: User) => Promise<void>;
}

export const AUTH_ENDPOINTS_OPTIONS = Symbol('AUTH_ENDPOINTS_OPTIONS');

export function validateAuthEndpointsOptions(options: AuthEndpointsOptions): void {
  const check = new OptionProblems('AuthEndpointsModule');
  check.optionalBoolean('registrationEnabled', options.registrationEnabled);
  if (typeof options.loginAttempts?.begin !== 'function') {
    check.add('loginAttempts', 'is required (e.g. the throttling layer’s LoginAttemptsLimiter)');
  }
  if (options.onRegistered !== undefined && typeof options.onRegistered !== 'function') {
    check.add('onRegistered', 'must be a function if given');
  }
  check.throwIfAny();
}
