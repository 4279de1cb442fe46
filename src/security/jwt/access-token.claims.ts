import type { Role } from '../../users/user.entity';

/** The claims of an access token (RFC 7519 names, plus role, session id and token type). */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  sid: string;
  jti: string;
  /** "access": a token of another type (or none) is never accepted as an access token. */
  typ: 'access';
  /** RFC 8176 authentication methods of the session when the token was issued: pwd[, otp]. */
  amr: string[];
  /** When the session last proved a second factor (seconds since the epoch), if it did. */
  mfa_at?: number;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

/**
 * RFC 8176 method references of a session: a password, and `otp` once it proved a one-time
 * password (a TOTP code or a single-use recovery code).
 */
export function amrOf(mfaAt: number | Date | null): string[] {
  return mfaAt === null ? ['pwd'] : ['pwd', 'otp'];
}
