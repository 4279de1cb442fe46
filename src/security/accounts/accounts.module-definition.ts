import { ConfigurableModuleBuilder } from '@nestjs/common';
import { ACCOUNTS_OPTIONS, AccountsOptions } from './accounts.options';

/**
 * `AccountsModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * the host can hand the guard to its pipeline and the verification hook to registration.
 */
export const { ConfigurableModuleClass: ConfigurableAccountsModule } =
  new ConfigurableModuleBuilder<AccountsOptions>({ optionsInjectionToken: ACCOUNTS_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
