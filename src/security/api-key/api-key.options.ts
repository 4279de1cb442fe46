/** Settings of the API-key layer (see README "Settings"). */
export interface ApiKeyOptions {
  /** Seconds the previous secret keeps working after a rotation (0: it stops at once). */
  rotationGraceSeconds: number;
  /** The host's default per-key requests a minute; a key's own limit above it needs an admin. */
  defaultRateLimitPerMinute: number;
}

/**
 * Injection token of the options. It lives here, not in the module definition, because the
 * definition imports the controller, whose service injects this token (no import cycle).
 */
export const API_KEY_OPTIONS = Symbol('API_KEY_OPTIONS');
