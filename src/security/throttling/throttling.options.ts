import type Redis from 'ioredis';
import { OptionProblems } from '../../common/options/option-problems';
import { ROLES, Role } from '../../users/user.entity';

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

/** Injection token of the options. */
export const THROTTLING_OPTIONS = Symbol('THROTTLING_OPTIONS');

/** Every limit but the per-role ones, which are checked role by role. */
const LIMITS = [
  'perIpPerMinute',
  'perApiKeyPerMinute',
  'loginPerIpPer15Minutes',
  'loginFailuresPerEmailPer15Minutes',
  'registerPerIpPerHour',
  'apiKeyIssuePerHour',
] as const;

/**
 * Fails closed on limits that would never block: `hits > NaN` (or `> undefined`) is never true,
 * so a missing, NaN or non-numeric limit, or a role missing from perRolePerMinute, would let
 * every request through and never engage the per-account login lock. 0 or below is refused too.
 */
export function validateThrottlingOptions(options: ThrottlingOptions): void {
  const check = new OptionProblems('ThrottlingModule');
  const limits = options.limits as Partial<ThrottlingOptions['limits']> | undefined;
  if (typeof limits !== 'object' || limits === null) {
    check.add('limits', 'is required');
    return check.throwIfAny();
  }
  for (const name of LIMITS) check.positiveInteger(`limits.${name}`, limits[name]);
  const perRole: Partial<Record<Role, unknown>> = limits.perRolePerMinute ?? {};
  for (const role of ROLES) {
    check.positiveInteger(`limits.perRolePerMinute.${role}`, perRole[role]);
  }
  check.throwIfAny();
}
