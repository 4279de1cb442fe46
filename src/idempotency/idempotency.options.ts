export interface IdempotencyOptions {
  /** How long a key's first answer is replayed; after that the key may be used afresh. */
  ttlSeconds: number;
}

export const IDEMPOTENCY_OPTIONS = Symbol('IDEMPOTENCY_OPTIONS');

/** The header (IETF draft-ietf-httpapi-idempotency-key-header) and what a key may look like. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const REPLAYED_HEADER = 'Idempotent-Replayed';
