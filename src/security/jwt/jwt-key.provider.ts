import { Provider } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';

export const JWT_KEY = Symbol('JWT_KEY');

export const JWT_ALGORITHM = 'HS256';

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_JWT_SECRET_BYTES = 32;

/**
 * The HS256 key as a KeyObject. With a string secret, jsonwebtoken 9 first tries to parse it as
 * a PEM public key on every verify (~350 us); a KeyObject skips that (~7 us). A short key stops
 * the start, whoever configured it.
 */
export const jwtKeyProvider: Provider<KeyObject> = {
  provide: JWT_KEY,
  inject: [JWT_AUTH_OPTIONS],
  useFactory: ({ secret }: JwtAuthOptions) => {
    if (!Buffer.isBuffer(secret) || secret.length < MIN_JWT_SECRET_BYTES) {
      throw new Error(`JwtAuthModule: secret must be at least ${MIN_JWT_SECRET_BYTES} bytes`);
    }
    return createSecretKey(secret);
  },
};
