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

/**
 * A second factor the login asks for once the password was right (the MFA layer's MfaService
 * is one). With it, an enrolled person's login answers an mfaToken instead of tokens.
 */
export interface SecondFactor {
  isEnrolled(userId: string): Promise<boolean>;
  challenge(
    userId: string,
    from: { clientIp: string | null; userAgent: string | null },
  ): Promise<{ token: string; ttl: number }>;
}

/** Settings of the /v1/auth routes (see README "Settings"). */
export interface AuthEndpointsOptions {
  /** `POST /v1/auth/register` creates viewer accounts. Default false. */
  registrationEnabled?: boolean;
  /** Required: without it, login and change-password would be open to guessing. */
  loginAttempts: LoginAttempts;
  /** Optional: without it, a password alone signs in (amr ["pwd"]). */
  secondFactor?: SecondFactor;
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
  const second = options.secondFactor;
  if (
    second !== undefined &&
    (typeof second?.isEnrolled !== 'function' || typeof second?.challenge !== 'function')
  ) {
    check.add(
      'secondFactor',
      'must have isEnrolled and challenge (e.g. the MFA layer’s MfaService)',
    );
  }
  if (options.onRegistered !== undefined && typeof options.onRegistered !== 'function') {
    check.add('onRegistered', 'must be a function if given');
  }
  check.throwIfAny();
}
