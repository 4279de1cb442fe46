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
  /** Endpoints only: `POST /v1/auth/register` creates viewer accounts. Default false. */
  registrationEnabled?: boolean;
}

/**
 * Injection token of the options. It lives here, not in the module definition, because the
 * definition imports the controller, whose services inject this token (no import cycle).
 */
export const JWT_AUTH_OPTIONS = Symbol('JWT_AUTH_OPTIONS');
