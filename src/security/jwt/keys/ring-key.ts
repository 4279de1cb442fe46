import { type JsonWebKey, type KeyObject, createHash } from 'node:crypto';

export type SigningAlgorithm = 'ES256' | 'HS256';
export type KeyState = 'next' | 'current' | 'retired' | 'revoked';

/** One key of the ring as this instance holds it. Private material never leaves this object. */
export interface RingKey {
  kid: string;
  /** Pinned to the key: a token whose header names another algorithm is refused. */
  alg: SigningAlgorithm;
  state: KeyState;
  verifyKey: KeyObject;
  signKey: KeyObject;
  /** ES256 only: what the JWKS publishes (kty, crv, x, y). */
  publicJwk?: JsonWebKey;
  /** The HS256 key from `secret`: not in the database, never published, not revocable. */
  fromOptions: boolean;
}

/** What a kid may look like: anything else (paths, dots, quotes) is refused before any lookup. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Allowed difference between clocks: `iat` in the future, and the tail of a retired key. */
export const CLOCK_SKEW_SECONDS = 60;

/** The kid of the HS256 key from the options: a hash of the secret (it names, never reveals). */
export function hs256Kid(secret: Buffer | string): string {
  const digest = createHash('sha256').update('weather-api kid\0').update(secret).digest('hex');
  return `hs256-${digest.slice(0, 16)}`;
}
