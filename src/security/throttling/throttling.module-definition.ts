import { ConfigurableModuleBuilder } from '@nestjs/common';
import { THROTTLING_OPTIONS, ThrottlingOptions } from './throttling.options';

/**
 * `ThrottlingModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * the guards and the login limiter can be injected wherever the host registers or uses them.
 */
export const { ConfigurableModuleClass: ConfigurableThrottlingModule } =
  new ConfigurableModuleBuilder<ThrottlingOptions>({ optionsInjectionToken: THROTTLING_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
