import { OptionProblems } from '../../common/options/option-problems';
import { PrincipalCache } from '../../common/principal-cache/principal-cache';
import type { ApiKeyBinding } from './api-key-binding';

/** Settings of the API-key layer (see README "Settings"). */
export interface ApiKeyOptions {
  /** Seconds the previous secret keeps working after a rotation (0: it stops at once). */
  rotationGraceSeconds: number;
  /** The host's default per-key requests a minute; a key's own limit above it needs an admin. */
  defaultRateLimitPerMinute: number;
  /** The scopes a key may be granted: the host's names (`stations:read`, ...). */
  scopes: readonly string[];
  /**
   * Whether a caller may bind a key to one resource of the host (`resourceId`). Without it, a
   * key cannot be bound and a request that asks for it is a 400.
   */
  binding?: ApiKeyBinding;
  /**
   * Where authentication keeps the key records (and owner state) it read; the secret is still
   * compared on every request. Only safe when every change to api_keys and users reaches it
   * (the host's job: README "Revocation"). Unset: every request reads the database.
   */
  principalCache?: PrincipalCache;
}

/** Injection token of the options (here, not in the module definition: no import cycle). */
export const API_KEY_OPTIONS = Symbol('API_KEY_OPTIONS');

/** Scopes a host may define, and a key may hold, at most. */
export const MAX_SCOPES = 32;

/** A scope names a resource and an action: `stations:read`. */
export const SCOPE_FORMAT = /^[a-z][a-z0-9-]{0,30}:[a-z][a-z0-9-]{0,30}$/;

export function validateApiKeyOptions(options: ApiKeyOptions): void {
  const check = new OptionProblems('ApiKeyModule');
  if (!Number.isSafeInteger(options.rotationGraceSeconds) || options.rotationGraceSeconds < 0) {
    check.add('rotationGraceSeconds', 'must be a whole number of seconds, 0 or more');
  }
  check.positiveInteger('defaultRateLimitPerMinute', options.defaultRateLimitPerMinute);
  const scopes: unknown = options.scopes;
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.length > MAX_SCOPES) {
    check.add('scopes', 'must list 1 to 32 scope names');
  } else if (!scopes.every((s) => typeof s === 'string' && SCOPE_FORMAT.test(s))) {
    check.add('scopes', 'must be names like "stations:read"');
  }
  if (options.binding !== undefined && typeof options.binding?.assertMayBind !== 'function') {
    check.add('binding', 'must implement assertMayBind(caller, resourceId)');
  }
  if (options.principalCache !== undefined && !(options.principalCache instanceof PrincipalCache)) {
    check.add('principalCache', 'must be a PrincipalCache if given');
  }
  check.throwIfAny();
}
