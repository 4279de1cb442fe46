import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Settings of the security-headers layer (see README "Settings"). */
export interface SecurityHeadersOptions {
  /** Origins (scheme://host[:port], exact match) whose pages may read responses; empty: none. */
  corsOrigins: readonly string[];
  /** Path of the API docs page, e.g. `/docs`: it and its sub-paths get the Swagger UI CSP. */
  docsPath?: string;
  /** Response headers allowed origins may read besides X-Request-Id and Retry-After. */
  exposedHeaders?: readonly string[];
}

/** `SecurityHeadersModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`. */
export const {
  ConfigurableModuleClass: ConfigurableSecurityHeadersModule,
  MODULE_OPTIONS_TOKEN: SECURITY_HEADERS_OPTIONS,
} = new ConfigurableModuleBuilder<SecurityHeadersOptions>().setClassMethodName('forRoot').build();
