import { SEALED_BOX_KEY_BYTES, open, seal } from '../../../common/crypto/sealed-box';

/** AES-256-GCM: a 32-byte key encrypts the ring's private keys at rest. */
export const KEY_ENCRYPTION_KEY_BYTES = SEALED_BOX_KEY_BYTES;

/**
 * iv | tag | ciphertext. The kid is the associated data: a ciphertext copied onto another row
 * does not decrypt, so a database writer cannot swap keys between kids.
 */
export function encryptPrivateKey(kek: Buffer, kid: string, plaintext: Buffer): Buffer {
  return seal(kek, kid, plaintext);
}

/** Throws (without any key material in the message) when the KEK or the kid does not match. */
export function decryptPrivateKey(kek: Buffer, kid: string, sealed: Buffer): Buffer {
  const plaintext = open(kek, kid, sealed);
  if (!plaintext) {
    throw new Error(
      `JwtAuthModule: signing key ${kid} does not decrypt with the configured key-encryption key`,
    );
  }
  return plaintext;
}
