import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import type { ApiKeyPrincipal } from '../authorization/principal';
import { ApiKeysService } from './api-keys.service';

/**
 * Applications authenticate with the X-API-Key header and nothing else: a key in a URL ends up
 * in proxy logs and browser history. Two-argument verify (apiKey, done): the request-passing
 * form breaks under @nestjs/passport 11+.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
  constructor(private readonly apiKeys: ApiKeysService) {
    super({ header: 'X-API-Key', prefix: '' }, false);
  }

  validate(apiKey: string): Promise<ApiKeyPrincipal | null> {
    return this.apiKeys.authenticate(apiKey);
  }
}
