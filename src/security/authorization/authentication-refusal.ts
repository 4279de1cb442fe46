/**
 * Why a credential was refused, for the audit log and the metrics only: the caller always gets
 * the same 401 (API2:2023). A strategy's validate() returns `[false, refusal(...)]`; the
 * authentication guard puts it on the 401 problem's audit details. Never a secret: a key's
 * public id at most.
 */
export const REFUSAL_REASONS = [
  'no_credential',
  'two_credentials',
  'bad_token',
  'expired',
  'revoked',
  'bad_key',
  'rotated_out',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface AuthenticationRefusal {
  readonly refused: RefusalReason;
  /** The API key's public id, when the presented key named one we know. */
  readonly keyId?: string;
}

export function refusal(reason: RefusalReason, keyId?: string): AuthenticationRefusal {
  return keyId === undefined ? { refused: reason } : { refused: reason, keyId };
}

export function isRefusal(value: unknown): value is AuthenticationRefusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { refused?: unknown }).refused === 'string' &&
    (REFUSAL_REASONS as readonly string[]).includes((value as { refused: string }).refused)
  );
}

/** What a strategy's own failure says (passport-jwt: the jsonwebtoken error), as a reason. */
export function refusalOf(info: unknown): AuthenticationRefusal {
  if (isRefusal(info)) return info;
  if (info instanceof Error && info.name === 'TokenExpiredError') return refusal('expired');
  return refusal('bad_token');
}
