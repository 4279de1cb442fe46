import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthenticationGuard } from './authentication.guard';
import { AuthorizationGuard } from './authorization.guard';

/**
 * Default deny for the whole app: authentication, then the route's declared policy. Global
 * guards run in this order; the strategies (jwt, api-key) come from their own modules.
 */
@Module({
  providers: [
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
})
export class AuthorizationModule {}
