import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthenticationRefusal, refusal } from '../authorization/authentication-refusal';
import type { UserPrincipal } from '../authorization/principal';
import { AccessTokenClaims, amrOf } from './access-token.claims';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';
import { CLOCK_SKEW_SECONDS, KID_PATTERN } from './keys/ring-key';
import { SigningKeyRing } from './keys/signing-key-ring.service';
import { LiveSessions } from './live-sessions';

/** Header members that would let the token choose its own key: never honoured, refused. */
const KEY_CHOOSING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'];

/** The kid each request's token was verified with, for the per-request key-state check. */
const verifiedKid = new WeakMap<object, string>();

/**
 * Access tokens from `Authorization: Bearer` only (no query string, no cookie). The key comes
 * from the ring by `kid` only, with the algorithm bound to that key (the header's `alg` must
 * match it); passport-jwt then checks the signature, exp, nbf, iss and aud; validate() checks
 * the token type, `iat`, and that user, session and signing key are still alive (LiveSessions).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly ring: SigningKeyRing,
    @Inject(JWT_AUTH_OPTIONS) options: JwtAuthOptions,
    private readonly sessions: LiveSessions,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        request: Request,
        rawToken: string,
        done: (error: Error | null, key?: string | Buffer) => void,
      ) => {
        keyFor(ring, rawToken).then(
          (found) => {
            if (!found) return done(new Error('no usable key for this token'));
            verifiedKid.set(request, found.kid);
            // A KeyObject (no PEM parsing per verify); the types only list string | Buffer.
            done(null, found.key as unknown as Buffer);
          },
          (error: Error) => done(error),
        );
      },
      // The ring's algorithms only; keyFor() has already pinned the one of the token's key.
      algorithms: ring.algorithms(),
      issuer: options.issuer,
      audience: options.audience,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  async validate(
    request: Request,
    claims: Partial<AccessTokenClaims>,
  ): Promise<UserPrincipal | null | [false, AuthenticationRefusal]> {
    const kid = verifiedKid.get(request);
    if (kid === undefined) return null;
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
    if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
      return null;
    }
    // Checked on every request (one query, or none on a warm cache that every change to the
    // user, session or key clears at once): a revocation applies on every instance at once.
    const live = await this.sessions.check(claims.sub, claims.sid, kid);
    // Signed by us and well formed, but the user, session or key has ended since. Only live
    // sessions are cached: a refusal is always read from the database, so it is counted alike.
    if (live === undefined) return [false, refusal('revoked')];
    // The role and the MFA state come from the database, not the token: a demotion, a
    // step-up or a removed factor takes effect at once.
    const { role, mfaAt, mfaEnrolled } = live;
    return {
      kind: 'user',
      userId: claims.sub,
      role,
      sessionId: claims.sid,
      tokenId: claims.jti,
      authentication: {
        amr: amrOf(mfaAt),
        mfaAt,
        mfaEnrolled,
      },
    };
  }
}

/**
 * The verification key for a raw token, or undefined: the header must name a well-formed kid
 * of the ring, the algorithm bound to that key, no key-choosing member and no `crit` (we
 * understand no extension, so RFC 7515 4.1.11 says refuse).
 */
async function keyFor(
  ring: SigningKeyRing,
  rawToken: string,
): Promise<{ kid: string; key: KeyObject } | undefined> {
  const header = decodeHeader(rawToken);
  if (!header) return undefined;
  const { kid, alg } = header;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid) || typeof alg !== 'string') {
    return undefined;
  }
  if ('crit' in header || KEY_CHOOSING_HEADERS.some((name) => name in header)) return undefined;
  const key = await ring.verificationKey(kid);
  if (!key || key.alg !== alg) return undefined;
  return { kid, key: key.verifyKey };
}

function decodeHeader(rawToken: string): Record<string, unknown> | undefined {
  const dot = rawToken.indexOf('.');
  if (dot <= 0 || dot > 1024) return undefined;
  try {
    const header: unknown = JSON.parse(
      Buffer.from(rawToken.slice(0, dot), 'base64url').toString('utf8'),
    );
    return header && typeof header === 'object' && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(value: string): boolean {
  return UUID.test(value);
}
