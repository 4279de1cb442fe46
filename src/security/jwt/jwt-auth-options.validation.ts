import { Provider } from '@nestjs/common';
import { OptionProblems } from '../../common/options/option-problems';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';

/**
 * Fails closed on options that would switch a check off: jsonwebtoken and passport-jwt skip the
 * `iss`/`aud` check when issuer or audience is undefined or empty, and a TTL of NaN, 0 or below
 * makes tokens and sessions that are born expired or never expire. (The secret is checked by
 * jwt-key.provider.ts.)
 */
export function validateJwtAuthOptions(options: JwtAuthOptions): void {
  const check = new OptionProblems('JwtAuthModule');
  check.nonEmptyString('issuer', options.issuer);
  check.nonEmptyString('audience', options.audience);
  check.positiveInteger('accessTtlSeconds', options.accessTtlSeconds);
  check.positiveInteger('refreshTtlSeconds', options.refreshTtlSeconds);
  if (options.refreshTtlSeconds < options.accessTtlSeconds) {
    // A session that ends before its first access token does.
    check.add('refreshTtlSeconds', 'must be at least accessTtlSeconds');
  }
  check.optionalBoolean('registrationEnabled', options.registrationEnabled);
  check.throwIfAny();
}

export const JWT_AUTH_OPTIONS_CHECKED = Symbol('JWT_AUTH_OPTIONS_CHECKED');

/** Nest builds every provider at start, used or not: bad options stop the start here. */
export const jwtAuthOptionsCheck: Provider<true> = {
  provide: JWT_AUTH_OPTIONS_CHECKED,
  inject: [JWT_AUTH_OPTIONS],
  useFactory: (options: JwtAuthOptions): true => {
    validateJwtAuthOptions(options);
    return true;
  },
};
