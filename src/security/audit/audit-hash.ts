import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical content of a record: its fields in a fixed order, JSON-encoded, with object
 * keys sorted at every level, so the same record always hashes the same on any machine.
 * The trace id came later: it is appended only when the record has one, so every record
 * written before (none has) keeps exactly the content, and the hash, it was sealed with.
 */
export function canonicalContent(event: AuditEvent): string {
  const fields: unknown[] = [
    event.occurredAt.toISOString(),
    event.requestId,
    event.actor.type,
    event.actor.id,
    event.actor.role,
    event.actor.method,
    event.action,
    event.resourceType,
    event.resourceId,
    event.outcome,
    event.httpStatus,
    event.reason,
    event.clientIp,
    event.userAgent,
    event.route,
    event.details,
    event.occurrences,
  ];
  if (typeof event.traceId === 'string') fields.push(event.traceId);
  return canonicalJson(fields);
}

/** SHA-256 over the previous record's hash and this record's canonical content. */
export function chainHash(prevHash: string, event: AuditEvent): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalContent(event)}`, 'utf8')
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
