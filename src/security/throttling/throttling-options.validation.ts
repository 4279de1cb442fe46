import { Provider } from '@nestjs/common';
import { OptionProblems } from '../../common/options/option-problems';
import { ROLES, Role } from '../../users/user.entity';
import { THROTTLING_OPTIONS, ThrottlingOptions } from './throttling.module-definition';

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

export const THROTTLING_OPTIONS_CHECKED = Symbol('THROTTLING_OPTIONS_CHECKED');

/** Nest builds every provider at start, used or not: bad options stop the start here. */
export const throttlingOptionsCheck: Provider<true> = {
  provide: THROTTLING_OPTIONS_CHECKED,
  inject: [THROTTLING_OPTIONS],
  useFactory: (options: ThrottlingOptions): true => {
    validateThrottlingOptions(options);
    return true;
  },
};
