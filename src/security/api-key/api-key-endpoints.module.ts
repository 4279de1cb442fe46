import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';

/**
 * The key-management routes (/v1/api-keys: create, list, get, rotate, revoke), for a host that
 * wants them. Import it beside `ApiKeyModule.forRoot(...)`, whose global ApiKeysService it uses.
 * The routes carry the authorization layer's policy guard themselves (401 without a caller,
 * 403 for a viewer), so a host without our global guards is refused, not opened.
 */
@Module({ controllers: [ApiKeysController] })
export class ApiKeyEndpointsModule {}
