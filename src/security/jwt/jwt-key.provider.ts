import { Provider } from '@nestjs/common';
import { KEY_ENCRYPTION_KEY_BYTES } from './keys/key-encryption';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';

export const JWT_KEYS_CHECKED = Symbol('JWT_KEYS_CHECKED');

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_JWT_SECRET_BYTES = 32;

/**
 * Key material checked before anything uses it: a missing or short key-encryption key, or a
 * short HS256 secret, stops the start, whoever configured it (no default credential).
 */
export const jwtKeyProvider: Provider<true> = {
  provide: JWT_KEYS_CHECKED,
  inject: [JWT_AUTH_OPTIONS],
  useFactory: ({ secret, keyEncryptionKey }: JwtAuthOptions) => {
    if (
      !Buffer.isBuffer(keyEncryptionKey) ||
      keyEncryptionKey.length !== KEY_ENCRYPTION_KEY_BYTES
    ) {
      throw new Error(
        `JwtAuthModule: keyEncryptionKey must be exactly ${KEY_ENCRYPTION_KEY_BYTES} bytes`,
      );
    }
    if (
      secret !== undefined &&
      (!Buffer.isBuffer(secret) || secret.length < MIN_JWT_SECRET_BYTES)
    ) {
      throw new Error(`JwtAuthModule: secret must be at least ${MIN_JWT_SECRET_BYTES} bytes`);
    }
    return true;
  },
};
