import { Provider } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

export const JWT_KEY = Symbol('JWT_KEY');

/**
 * The HS256 key as a KeyObject. With a string secret, jsonwebtoken 9 first tries to parse it as
 * a PEM public key on every verify (~350 us); a KeyObject skips that (~7 us).
 */
export const jwtKeyProvider: Provider<KeyObject> = {
  provide: JWT_KEY,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => createSecretKey(config.auth.jwtSecret),
};

export const JWT_ALGORITHM = 'HS256';
