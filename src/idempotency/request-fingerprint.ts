import { createHash } from 'node:crypto';

/**
 * What "the same request" means for an Idempotency-Key: the same route, path parameters and
 * body, whatever the order of the body's keys. SHA-256 of a canonical JSON form.
 */
export function requestFingerprint(route: string, params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson([route, params ?? null, body ?? null]))
    .digest('hex');
}

/** JSON with object keys sorted at every depth, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
