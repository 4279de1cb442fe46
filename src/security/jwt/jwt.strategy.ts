import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DataSource } from 'typeorm';
import type { Role } from '../../users/user.entity';
import type { UserPrincipal } from '../authorization/principal';
import { AccessTokenClaims } from './access-token.claims';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';
import { JWT_ALGORITHM, JWT_KEY } from './jwt-key.provider';

/** Clock skew allowed between instances (and a gateway) for `iat`. */
const MAX_CLOCK_SKEW_SECONDS = 60;

/**
 * The bearer token, unless its header asks for something we do not do: a `crit` header names
 * extensions the verifier must understand (RFC 7515 §4.1.11); we understand none, so such a
 * token is refused before any signature check, as the RFC requires.
 */
function bearerWithoutCrit(
  request: Parameters<ReturnType<typeof ExtractJwt.fromAuthHeaderAsBearerToken>>[0],
): string | null {
  const token = ExtractJwt.fromAuthHeaderAsBearerToken()(request);
  if (!token) return null;
  try {
    const header: unknown = JSON.parse(
      Buffer.from(token.split('.')[0], 'base64url').toString('utf8'),
    );
    return typeof header === 'object' && header !== null && 'crit' in header ? null : token;
  } catch {
    return token; // not JSON: the signature check refuses it
  }
}

interface LiveSessionRow {
  role: Role;
}

/**
 * Access tokens from `Authorization: Bearer` only (no query string, no cookie). passport-jwt
 * checks signature (HS256 only, so `alg: none` and RS/HS confusion fail), exp, nbf, iss and aud;
 * validate() then checks the token type and that user and session are still alive.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(JWT_KEY) key: KeyObject,
    @Inject(JWT_AUTH_OPTIONS) options: JwtAuthOptions,
    private readonly dataSource: DataSource,
  ) {
    super({
      jwtFromRequest: bearerWithoutCrit,
      // A KeyObject, not a string: see jwt-key.provider.ts. The types only list string | Buffer.
      secretOrKey: key as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      issuer: options.issuer,
      audience: options.audience,
      ignoreExpiration: false,
    });
  }

  async validate(claims: Partial<AccessTokenClaims>): Promise<UserPrincipal | null> {
    if (
      claims.typ !== 'access' ||
      typeof claims.sub !== 'string' ||
      typeof claims.sid !== 'string'
    ) {
      return null;
    }
    if (typeof claims.jti !== 'string' || !isUuid(claims.sub) || !isUuid(claims.sid)) return null;
    // jsonwebtoken checks exp only when it is present: a token without one must not live forever.
    if (typeof claims.exp !== 'number') return null;
    // Issued in the future (beyond clock skew): minted by a wrong clock or a forger's.
    if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) {
      return null;
    }
    // One query: the user exists and is enabled, and the session is neither revoked nor over.
    const rows = await this.dataSource.query<LiveSessionRow[]>(
      `SELECT u.role
         FROM users u JOIN auth_sessions s ON s.user_id = u.id
        WHERE u.id = $1 AND s.id = $2
          AND u.disabled_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [claims.sub, claims.sid],
    );
    const row = rows[0];
    if (!row) return null;
    // The role comes from the database, not the token: a demotion takes effect at once.
    return {
      kind: 'user',
      userId: claims.sub,
      role: row.role,
      sessionId: claims.sid,
      tokenId: claims.jti,
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(value: string): boolean {
  return UUID.test(value);
}
