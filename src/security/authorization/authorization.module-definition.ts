import { ConfigurableModuleBuilder, Type } from '@nestjs/common';
import type { Strategy } from 'passport-strategy';

/** One way to prove who is calling: a request header and the passport strategy that reads it. */
export interface CredentialSource {
  /** The header whose presence selects this strategy, e.g. `x-api-key` (any case). */
  header: string;
  /** Class token of a passport strategy provided by some module of the host (one instance). */
  strategy: Type<Strategy>;
}

/** Settings of the authorization layer (see README "Settings"). */
export interface AuthorizationOptions {
  /** The credentials the app accepts; a request must carry exactly one of these headers. */
  credentials: CredentialSource[];
}

/**
 * `AuthorizationModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`. Not global:
 * only the host module that imports it registers the guards (APP_GUARD), so nothing else needs them.
 */
export const {
  ConfigurableModuleClass: ConfigurableAuthorizationModule,
  MODULE_OPTIONS_TOKEN: AUTHORIZATION_OPTIONS,
} = new ConfigurableModuleBuilder<AuthorizationOptions>().setClassMethodName('forRoot').build();
