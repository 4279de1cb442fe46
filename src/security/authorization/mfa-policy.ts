/**
 * How recent a second factor a @RequiresMfa() route demands, and whether admins must have one.
 * The MFA layer provides it (globally, under MFA_POLICY); without it such routes refuse.
 */
export interface MfaPolicy {
  /** A second factor proved longer ago than this no longer counts for @RequiresMfa routes. */
  stepUpMaxAgeSeconds: number;
  /**
   * Admins without a confirmed second factor are refused on admin-only and @RequiresMfa routes
   * (every other route stays open to them, enrolment included).
   */
  requiredForAdmins: boolean;
}

export const MFA_POLICY = Symbol('MFA_POLICY');
