import { ConfigurableModuleBuilder } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Role } from '../../users/user.entity';

/** Requests allowed per window. Windows: 1 minute unless the name says otherwise. */
export interface RateLimits {
  /** Every request, per client IP. */
  perIpPerMinute: number;
  /** Per user, by role: every role needs its limit. */
  perRolePerMinute: Record<Role, number>;
  /** Per API key without a limit of its own. */
  perApiKeyPerMinute: number;
  /** Login requests (`@RateLimitedFlow('login')`), per client IP. */
  loginPerIpPer15Minutes: number;
  /** Failed logins per account (LoginAttemptsLimiter), whatever the IP. */
  loginFailuresPerEmailPer15Minutes: number;
  /** Registrations (`@RateLimitedFlow('register')`), per client IP. */
  registerPerIpPerHour: number;
  /** API-key creations and rotations (`@RateLimitedFlow('api-key-issue')`), per identity. */
  apiKeyIssuePerHour: number;
}

/** Settings of the throttling layer (see README "Settings"). */
export interface ThrottlingOptions {
  /** Requests allowed per window, per IP, per identity and per sensitive flow; all required. */
  limits: RateLimits;
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
