import { ConfigurableModuleBuilder } from '@nestjs/common';
import { API_KEY_OPTIONS, ApiKeyOptions } from './api-key.options';
import { ApiKeysController } from './api-keys.controller';

export { API_KEY_OPTIONS };
export type { ApiKeyOptions };

/** Options that shape the module rather than configure its services. */
export interface ApiKeyExtras {
  /**
   * Mount ApiKeysController (/v1/api-keys: create, list, get, rotate, revoke). It carries the
   * authorization layer's policy guard itself (401 without a caller, 403 for a viewer); the
   * host sets who the caller is. Default false.
   */
  endpoints?: boolean;
}

/**
 * `ApiKeyModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * ApiKeysService and ApiKeyStrategy can be injected wherever the host uses them.
 */
export const { ConfigurableModuleClass: ConfigurableApiKeyModule } =
  new ConfigurableModuleBuilder<ApiKeyOptions>({ optionsInjectionToken: API_KEY_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras<ApiKeyExtras>({ endpoints: false }, (definition, extras) => ({
      ...definition,
      global: true,
      controllers: extras.endpoints ? [ApiKeysController] : [],
    }))
    .build();
