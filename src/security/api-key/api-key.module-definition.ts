import { ConfigurableModuleBuilder } from '@nestjs/common';
import { API_KEY_OPTIONS, ApiKeyOptions } from './api-key.options';

/**
 * `ApiKeyModule.forRoot(options)` / `forRootAsync({ imports, inject, useFactory })`, global so
 * that ApiKeysService and ApiKeyStrategy can be injected wherever the host uses them.
 */
export const { ConfigurableModuleClass: ConfigurableApiKeyModule } =
  new ConfigurableModuleBuilder<ApiKeyOptions>({ optionsInjectionToken: API_KEY_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
