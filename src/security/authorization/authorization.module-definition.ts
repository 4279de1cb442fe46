import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AUTHORIZATION_OPTIONS, AuthorizationOptions } from './authorization.options';

/**
 * `AuthorizationModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`. Not global:
 * only the host module that imports it registers the guards (APP_GUARD), so nothing else needs them.
 */
export const { ConfigurableModuleClass: ConfigurableAuthorizationModule } =
  new ConfigurableModuleBuilder<AuthorizationOptions>({
    optionsInjectionToken: AUTHORIZATION_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .build();
