import { randomBytes } from 'node:crypto';
import { sha256 } from '../../common/crypto/secure-token';

export const RECOVERY_CODE_COUNT = 10;
/** RFC 4648 base32 without padding: no 0/1/8/9, so no O/0 or I/1 confusion when typed. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 20 characters of 5 bits: 100 bits, far beyond guessing, so SHA-256 is enough at rest. */
const LENGTH = 20;
export const RECOVERY_CODE = /^[A-Za-z2-7]{5}(-?[A-Za-z2-7]{5}){3}$/;

/** XXXXX-XXXXX-XXXXX-XXXXX, from crypto.randomBytes (one byte per character, no modulo bias). */
export function newRecoveryCode(): string {
  const bytes = randomBytes(LENGTH);
  const chars = [...bytes].map((byte) => ALPHABET[byte & 31]);
  return [0, 5, 10, 15].map((start) => chars.slice(start, start + 5).join('')).join('-');
}

/** How it is stored and looked up: case and dashes do not matter to the person typing it. */
export function recoveryCodeHash(code: string): Buffer {
  return sha256(code.replace(/-/g, '').toUpperCase());
}
