import { ConfigurableModuleBuilder } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RateLimitConfig } from '../../config/app-config';

/** Settings of the throttling layer (see README "Settings"). */
export interface ThrottlingOptions {
  /** Requests allowed per window, per IP, per identity and per sensitive flow. */
  limits: RateLimitConfig;
  /** A connected client: counters shared by every instance. Absent or null: in this process. */
  redis?: Redis | null;
}

/**
 * `ThrottlingModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * the guards and the login limiter can be injected wherever the host registers or uses them.
 */
export const {
  ConfigurableModuleClass: ConfigurableThrottlingModule,
  MODULE_OPTIONS_TOKEN: THROTTLING_OPTIONS,
} = new ConfigurableModuleBuilder<ThrottlingOptions>()
  .setClassMethodName('forRoot')
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
