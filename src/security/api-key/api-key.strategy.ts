import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { AuthenticationRefusal, isRefusal } from '../authorization/authentication-refusal';
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

  /** A refusal goes to passport's fail(info), so the guard learns why (never the caller). */
  async validate(apiKey: string): Promise<ApiKeyPrincipal | [false, AuthenticationRefusal]> {
    const result = await this.apiKeys.authenticate(apiKey);
    return isRefusal(result) ? [false, result] : result;
  }
}
