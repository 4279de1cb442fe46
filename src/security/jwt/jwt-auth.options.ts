import { OptionProblems } from '../../common/options/option-problems';

/** Settings of the JWT layer (see README "Settings"). */
export interface JwtAuthOptions {
  /** HS256 key bytes, at least 32 (256 bits) random ones; the module refuses to start otherwise. */
  secret: Buffer;
  /** `iss` written into access tokens, and the only issuer accepted. */
  issuer: string;
  /** `aud` written into access tokens, and the only audience accepted. */
  audience: string;
  /** Lifetime of an access token, in seconds. */
  accessTtlSeconds: number;
  /** Absolute lifetime of a session (its refresh-token family), in seconds; never extended. */
  refreshTtlSeconds: number;
}

/** Injection token of the options. */
export const JWT_AUTH_OPTIONS = Symbol('JWT_AUTH_OPTIONS');

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
  check.throwIfAny();
}
