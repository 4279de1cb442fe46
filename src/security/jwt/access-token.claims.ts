import type { Role } from '../../users/user.entity';

/** The claims of an access token (RFC 7519 names, plus role, session id and token type). */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  sid: string;
  jti: string;
  /** "access": a token of another type (or none) is never accepted as an access token. */
  typ: 'access';
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}
