import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SECURITY_HEADERS_OPTIONS, SecurityHeadersOptions } from './security-headers.options';

/** `SecurityHeadersModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`. */
export const { ConfigurableModuleClass: ConfigurableSecurityHeadersModule } =
  new ConfigurableModuleBuilder<SecurityHeadersOptions>({
    optionsInjectionToken: SECURITY_HEADERS_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .build();
