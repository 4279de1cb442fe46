import { ConfigurableModuleBuilder } from '@nestjs/common';
import { JWT_AUTH_OPTIONS, JwtAuthOptions } from './jwt-auth.options';

export { JWT_AUTH_OPTIONS };
export type { JwtAuthOptions };

/**
 * `JwtAuthModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * TokenService and JwtStrategy can be injected wherever the host uses them.
 */
export const { ConfigurableModuleClass: ConfigurableJwtAuthModule } =
  new ConfigurableModuleBuilder<JwtAuthOptions>({ optionsInjectionToken: JWT_AUTH_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
