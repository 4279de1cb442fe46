import { ConfigurableModuleBuilder } from '@nestjs/common';
import { UsersModule } from '../../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';

export { JWT_AUTH_OPTIONS };
export type { JwtAuthOptions };

/** Options that shape the module rather than configure its services. */
export interface JwtAuthExtras {
  /**
   * Mount AuthController (register, login, refresh, logout, me, change-password). Its routes
   * need the users module (imported here) and the throttling layer's LoginAttemptsLimiter,
   * which the host must import: without it the app refuses to start. Default false.
   */
  endpoints?: boolean;
}

/**
 * `JwtAuthModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * TokenService and JwtStrategy can be injected wherever the host uses them.
 */
export const { ConfigurableModuleClass: ConfigurableJwtAuthModule } =
  new ConfigurableModuleBuilder<JwtAuthOptions>({ optionsInjectionToken: JWT_AUTH_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras<JwtAuthExtras>({ endpoints: false }, (definition, extras) => ({
      ...definition,
      global: true,
      imports: [...(definition.imports ?? []), ...(extras.endpoints ? [UsersModule] : [])],
      providers: [...(definition.providers ?? []), ...(extras.endpoints ? [AuthService] : [])],
      controllers: extras.endpoints ? [AuthController] : [],
    }))
    .build();
