import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../../common/crypto/secure-token';

/**
 * `wxk_<keyId>_<secret>`: a recognisable prefix for secret scanners, a non-secret key id for
 * the lookup, and 256 random bits of secret. Only SHA-256(secret) is stored.
 */
const KEY_FORMAT = /^wxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

/** A new key; rotation passes the existing key id so the key keeps its name in logs and usage. */
export function generateApiKey(keyId: string = randomBytes(8).toString('hex')): {
  key: string;
  keyId: string;
  secretHash: Buffer;
} {
  const secret = randomBytes(32).toString('base64url');
  return { key: `wxk_${keyId}_${secret}`, keyId, secretHash: sha256(secret) };
}

export function parseApiKey(raw: string): ParsedApiKey | undefined {
  const match = KEY_FORMAT.exec(raw);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

/** Constant-time comparison of the presented secret's hash with a stored hash. */
export function secretMatches(secret: string, storedHash: Buffer | null): boolean {
  if (!storedHash || storedHash.length !== 32) return false;
  return timingSafeEqual(sha256(secret), storedHash);
}
