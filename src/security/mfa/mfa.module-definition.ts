import { ConfigurableModuleBuilder } from '@nestjs/common';
import { MFA_OPTIONS, MfaOptions } from './mfa.options';

/**
 * `MfaModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that the
 * authorization layer's guard finds the step-up policy (MFA_POLICY) wherever it runs, and the
 * host can hand MfaService to the login route as its second factor.
 */
export const { ConfigurableModuleClass: ConfigurableMfaModule } =
  new ConfigurableModuleBuilder<MfaOptions>({ optionsInjectionToken: MFA_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
