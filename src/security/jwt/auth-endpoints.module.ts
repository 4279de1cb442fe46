import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { optionsCheck } from '../../common/options/options-check.provider';
import { TransactionModule } from '../../database/transaction.module';
import { UsersModule } from '../../users/users.module';
import {
  AUTH_ENDPOINTS_OPTIONS,
  AuthEndpointsOptions,
  validateAuthEndpointsOptions,
} from './auth-endpoints.options';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';

const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<AuthEndpointsOptions>({
  optionsInjectionToken: AUTH_ENDPOINTS_OPTIONS,
})
  .setClassMethodName('forRoot')
  .build();

/**
 * The /v1/auth routes (register, login, refresh, logout, me, change-password, sessions), for a host that
 * wants them, beside `JwtAuthModule.forRoot(...)` whose TokenService they use:
 * `AuthEndpointsModule.forRootAsync({ inject: [LoginAttemptsLimiter], useFactory: (l) =>
 * ({ loginAttempts: l, registrationEnabled }) })`. Without `loginAttempts` the start fails.
 * me, logout and change-password carry the authorization layer's guard themselves, so a host
 * without our global guards refuses them (401/403) rather than opening them.
 */
@Module({
  imports: [UsersModule, TransactionModule],
  providers: [
    optionsCheck(AUTH_ENDPOINTS_OPTIONS, validateAuthEndpointsOptions),
    AuthService,
    SessionsService,
  ],
  controllers: [AuthController, SessionsController],
})
export class AuthEndpointsModule extends ConfigurableModuleClass {}
