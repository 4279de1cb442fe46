import type { Role } from '../../users/user.entity';

/** A permission an API key can hold. The host names its own (this app: src/weather/weather-scopes.ts). */
export type ApiKeyScope = string;

/**
 * How the session behind a person's token was authenticated, as its strategy read it from the
 * database on this request (not from the token: a step-up counts at once, a removed factor too).
 */
export interface SessionAuthentication {
  /** RFC 8176 method references: `pwd`, plus `otp` once the session proved a second factor. */
  amr: readonly string[];
  /** When the session last proved a second factor (epoch milliseconds); null: never. */
  mfaAt: number | null;
  /** The person has a confirmed second factor, so a route that demands one can ask for it. */
  mfaEnrolled: boolean;
}

/** A person, authenticated by an access token (JWT). */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  role: Role;
  sessionId: string;
  tokenId: string;
  /** Absent (a strategy that does not know): a route that demands MFA refuses. */
  authentication?: SessionAuthentication;
}

/** An application, authenticated by an API key. It acts for its owner, within its scopes. */
export interface ApiKeyPrincipal {
  kind: 'api-key';
  apiKeyId: string;
  keyId: string;
  ownerId: string;
  /** The owner's current role: a key never does more than the person who made it. */
  ownerRole: Role;
  scopes: readonly ApiKeyScope[];
  /** Set when the key may only act on one resource of the host (this app: one station). */
  resourceId: string | null;
  /** The key's own requests-per-minute limit; null means the default for keys. */
  rateLimitPerMinute: number | null;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;
export type CredentialKind = Principal['kind'];

/** Who is calling, as every layer that counts or records callers names them. */
export type IdentityType = CredentialKind | 'anonymous';
export const IDENTITY_TYPES: readonly IdentityType[] = ['user', 'api-key', 'anonymous'];

/** The one mapping from a principal to its identity: rate limits, usage and audit share it. */
export function identityOf(principal: Principal | undefined): {
  type: IdentityType;
  id: string | null;
} {
  if (!principal) return { type: 'anonymous', id: null };
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId }
    : { type: 'api-key', id: principal.apiKeyId };
}
