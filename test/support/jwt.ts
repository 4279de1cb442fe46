import { KeyObject, createHmac, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SigningKeyRing } from '../../src/security/jwt/keys/signing-key-ring.service';
import { hs256Kid } from '../../src/security/jwt/keys/ring-key';
import type { Session } from './sign-in';

/** Tokens crafted by hand: decoded, re-signed, forged, for the attacks on the JWT layer. */

/** A JWT_SECRET the config accepts: 48 random bytes as hex (no placeholder words possible). */
export function strongJwtSecret(): string {
  return randomBytes(48).toString('hex');
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

export function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeJwt(token: string): DecodedJwt {
  const [header, payload, signature] = token.split('.');
  const parse = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(header), payload: parse(payload), signature: signature ?? '' };
}

/** header.payload.signature from parts; the signature is taken as given (forgeries). */
export function encodeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  return `${base64urlJson(header)}.${base64urlJson(payload)}.${signature}`;
}

/** header.payload signed with HMAC-SHA-`bits`, whatever the header claims the algorithm is. */
export function hmacSignedJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: Buffer | string,
  bits: 256 | 384 | 512 = 256,
): string {
  const input = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  return `${input}.${createHmac(`sha${bits}`, secret).update(input).digest('base64url')}`;
}

/**
 * The claims of a real access token of `session`, with `overrides` applied; an override of
 * `undefined` removes the claim. The result is ready to sign with the app's own key.
 */
export function accessClaims(
  session: Session,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    ...decodeJwt(session.accessToken).payload,
    jti: randomUUID(),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/**
 * Signs claims as-is (iss, aud, exp... come from the claims) with jsonwebtoken. The app picks
 * its key by kid only, so an HMAC token names the kid the app gives that secret (JWT_SECRET's
 * HS256 key); `kid` overrides it (null: no kid at all).
 */
export function signJwt(
  claims: Record<string, unknown>,
  secret: Buffer | string | KeyObject,
  algorithm: jwt.Algorithm = 'HS256',
  kid?: string | null,
): string {
  const keyid =
    kid === undefined && algorithm.startsWith('HS') && !(secret instanceof KeyObject)
      ? hs256Kid(secret)
      : (kid ?? undefined);
  return jwt.sign(claims, secret, { algorithm, noTimestamp: true, ...(keyid ? { keyid } : {}) });
}

/** Signs claims with the app's own current signing key and its kid: a "validly signed" token. */
export async function signAsApp(
  app: { get(type: typeof SigningKeyRing): SigningKeyRing },
  claims: Record<string, unknown>,
  extraHeader: Record<string, unknown> = {},
): Promise<string> {
  const key = await app.get(SigningKeyRing).signingKey();
  return jwt.sign(claims, key.signKey, {
    algorithm: key.alg,
    keyid: key.kid, // iat and exp come from the claims (noTimestamp would drop iat)
    header: { alg: key.alg, kid: key.kid, ...extraHeader },
  });
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
