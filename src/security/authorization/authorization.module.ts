import { Module } from '@nestjs/common';
import { AuthenticationGuard } from './authentication.guard';
import { AuthorizationGuard } from './authorization.guard';

/**
 * Default deny: authentication, then the route's declared policy. The app registers both as
 * global guards in app.module.ts, where the order of all guards is visible in one place. The
 * strategies (jwt, api-key) come from their own modules.
 */
@Module({
  providers: [AuthenticationGuard, AuthorizationGuard],
  exports: [AuthenticationGuard, AuthorizationGuard],
})
export class AuthorizationModule {}
