import { Module } from '@nestjs/common';
import { AuthenticationGuard } from './authentication.guard';
import { AuthorizationGuard } from './authorization.guard';
import { optionsCheck } from '../../common/options/options-check.provider';
import { ConfigurableAuthorizationModule } from './authorization.module-definition';
import { AUTHORIZATION_OPTIONS, validateAuthorizationOptions } from './authorization.options';

/**
 * Default deny: authentication, then the route's declared policy. The guards are exported, not
 * registered: the host registers both as APP_GUARD where the order of all its guards is visible
 * (app.module.ts). Which strategies prove a caller is a setting (`credentials`); their classes
 * come from the host's own modules and are looked up at start.
 */
@Module({
  providers: [
    optionsCheck(AUTHORIZATION_OPTIONS, validateAuthorizationOptions), // a bad one stops the start
    AuthenticationGuard,
    AuthorizationGuard,
  ],
  exports: [AuthenticationGuard, AuthorizationGuard],
})
export class AuthorizationModule extends ConfigurableAuthorizationModule {}
