import type { Role } from '../../users/user.entity';

/** A permission an API key can hold. The host names its own (this app: src/weather/weather-scopes.ts). */
export type ApiKeyScope = string;

/** A person, authenticated by an access token (JWT). */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  role: Role;
  sessionId: string;
  tokenId: string;
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
