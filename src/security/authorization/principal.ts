import type { Role } from '../../users/user.entity';

export const API_KEY_SCOPES = ['stations:read', 'observations:read', 'observations:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

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
  /** Set when the key may only write to one station. */
  stationId: string | null;
  /** The key's own requests-per-minute limit; null means the default for keys. */
  rateLimitPerMinute: number | null;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;
export type CredentialKind = Principal['kind'];
