import { OptionProblems } from '../../common/options/option-problems';
import { PrincipalCache } from '../../common/principal-cache/principal-cache';

/** Settings of the JWT layer (see README "Settings"). */
export interface JwtAuthOptions {
  /**
   * Encrypts the ring's private keys at rest (AES-256-GCM): exactly 32 random bytes, the same
   * on every instance. The module refuses to start otherwise.
   */
  keyEncryptionKey: Buffer;
  /**
   * Optional HS256 key of its own kind, for a single service that verifies its own tokens:
   * at least 32 random bytes. Set, it signs (kid `hs256-...`, never published); the ES256 ring
   * still verifies. Unset (default): ES256 keys from the ring sign.
   */
  secret?: Buffer;
  /** Cache-Control max-age of `/.well-known/jwks.json`, and how long a next key waits. Default 300. */
  jwksMaxAgeSeconds?: number;
  /** `iss` written into access tokens, and the only issuer accepted. */
  issuer: string;
  /** `aud` written into access tokens, and the only audience accepted. */
  audience: string;
  /** Lifetime of an access token, in seconds. */
  accessTtlSeconds: number;
  /** Absolute lifetime of a session (its refresh-token family), in seconds; never extended. */
  refreshTtlSeconds: number;
  /**
   * Where the per-request session check keeps what it read. Only safe when every change to
   * users, sessions and signing keys reaches it (the host's job: README "Revocation"). Unset:
   * every request reads the database.
   */
  principalCache?: PrincipalCache;
}

/** Injection token of the options. */
export const JWT_AUTH_OPTIONS = Symbol('JWT_AUTH_OPTIONS');

/**
 * Fails closed on options that would switch a check off: jsonwebtoken and passport-jwt skip the
 * `iss`/`aud` check when issuer or audience is undefined or empty, and a TTL of NaN, 0 or below
 * makes tokens and sessions that are born expired or never expire. (Key material is checked by
 * jwt-key.provider.ts.)
 */
export function validateJwtAuthOptions(options: JwtAuthOptions): void {
  const check = new OptionProblems('JwtAuthModule');
  check.nonEmptyString('issuer', options.issuer);
  check.nonEmptyString('audience', options.audience);
  check.positiveInteger('accessTtlSeconds', options.accessTtlSeconds);
  check.positiveInteger('refreshTtlSeconds', options.refreshTtlSeconds);
  const maxAge = options.jwksMaxAgeSeconds;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0 && maxAge <= 86400)) {
    check.add('jwksMaxAgeSeconds', 'must be an integer from 0 to 86400 if given');
  }
  if (options.principalCache !== undefined && !(options.principalCache instanceof PrincipalCache)) {
    check.add('principalCache', 'must be a PrincipalCache if given');
  }
  if (options.refreshTtlSeconds < options.accessTtlSeconds) {
    // A session that ends before its first access token does.
    check.add('refreshTtlSeconds', 'must be at least accessTtlSeconds');
  }
  check.throwIfAny();
}
