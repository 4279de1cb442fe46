import { createHash, randomBytes } from 'node:crypto';

/** 256 bits of randomness with a recognisable prefix, so secret scanners can spot a leak. */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is right for high-entropy random tokens: there is nothing to brute-force. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
