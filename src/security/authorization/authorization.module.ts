import { Module } from '@nestjs/common';
import { AuthenticationGuard } from './authentication.guard';
import { AuthorizationGuard } from './authorization.guard';
import { ConfigurableAuthorizationModule } from './authorization.module-definition';

/**
 * Default deny: authentication, then the route's declared policy. The guards are exported, not
 * registered: the host registers both as APP_GUARD where the order of all its guards is visible
 * (app.module.ts). Which strategies prove a caller is a setting (`credentials`); their classes
 * come from the host's own modules and are looked up at start.
 */
@Module({
  providers: [AuthenticationGuard, AuthorizationGuard],
  exports: [AuthenticationGuard, AuthorizationGuard],
})
export class AuthorizationModule extends ConfigurableAuthorizationModule {}
