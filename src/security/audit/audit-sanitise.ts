import type { AuditEvent } from './audit-event';

/**
 * Every value an audit record takes from a request is bounded and made storable here, where it
 * is recorded, so one odd request cannot make a batch insert fail (U+0000 is not storable in
 * PostgreSQL text or jsonb; an over-long value breaks a varchar(n)). Idempotent: the writer
 * applies it again, and the hash is always computed over what is stored.
 */

/** Column widths of audit_log (migrations/), in characters. */
const WIDTH = {
  requestId: 64,
  actorId: 64,
  role: 16,
  method: 16,
  action: 64,
  resourceType: 32,
  resourceId: 64,
  reason: 200,
  clientIp: 64,
  userAgent: 200,
  route: 200,
} as const;

/** Bounds of the jsonb details: a handler's note, not a dump of the request. */
export const DETAILS_LIMITS = { keys: 20, depth: 3, stringLength: 200, arrayItems: 20 };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const TRACE_ID = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A bigint key (the demo host's notes): digits only, no leading zero. */
const INTEGER_KEY = /^(0|[1-9]\d{0,18})$/;

/**
 * A string that PostgreSQL stores byte for byte as hashed: control characters (U+0000 included)
 * escaped as \uXXXX, lone surrogates replaced (the driver would replace them itself and the
 * stored text would no longer match its hash), then cut to `max` characters on a code point.
 */
export function storableText(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\t' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  let cut = escaped.length > max ? escaped.slice(0, max) : escaped;
  // A cut between the halves of a pair leaves a lone high surrogate: drop it.
  if (/[\ud800-\udbff]$/.test(cut) && cut.length < escaped.length) cut = cut.slice(0, -1);
  return cut.replace(LONE_SURROGATE, '\ufffd');
}

function text(value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' ? storableText(value, max) : null;
}

/** The canonical form of a resource id, or null when the value is not one. */
export function canonicalResourceId(value: string | null): string | null {
  if (value === null) return null;
  if (UUID.test(value)) return value.toLowerCase();
  return INTEGER_KEY.test(value) ? value : null;
}

function boundedJson(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return storableText(value, DETAILS_LIMITS.stringLength);
  if (depth >= DETAILS_LIMITS.depth) return '[nested]';
  if (Array.isArray(value)) {
    return value.slice(0, DETAILS_LIMITS.arrayItems).map((item) => boundedJson(item, depth + 1));
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object') return null;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, DETAILS_LIMITS.keys)) {
    if (item === undefined) continue;
    out[storableText(key, 64)] = boundedJson(item, depth + 1);
  }
  return out;
}

/** The event as it may be stored: every field bounded, escaped and in canonical form. */
export function boundedEvent(event: AuditEvent): AuditEvent {
  const resourceId = canonicalResourceId(event.resourceId);
  let details =
    event.details === null ? null : (boundedJson(event.details, 0) as Record<string, unknown>);
  if (event.resourceId !== null && resourceId === null) {
    // Not an id this API issues (a probe like %00 or 100 x "a"): kept, escaped, in the details.
    details = {
      ...(details ?? {}),
      rawResourceId: storableText(event.resourceId, WIDTH.resourceId),
    };
  }
  return {
    occurredAt: event.occurredAt,
    requestId: text(event.requestId, WIDTH.requestId),
    // Only a W3C trace id (the middleware's): anything else would not join with any trace.
    traceId:
      typeof event.traceId === 'string' && TRACE_ID.test(event.traceId) ? event.traceId : null,
    actor: {
      type: event.actor.type,
      id: text(event.actor.id, WIDTH.actorId),
      role: text(event.actor.role, WIDTH.role),
      method: text(event.actor.method, WIDTH.method),
    },
    action: storableText(event.action, WIDTH.action),
    resourceType: text(event.resourceType, WIDTH.resourceType),
    resourceId,
    outcome: event.outcome,
    httpStatus: Number.isInteger(event.httpStatus) ? event.httpStatus : 500,
    reason: text(event.reason, WIDTH.reason),
    clientIp: text(event.clientIp, WIDTH.clientIp),
    userAgent: text(event.userAgent, WIDTH.userAgent),
    route: text(event.route, WIDTH.route),
    details,
    occurrences: Math.max(1, Math.trunc(event.occurrences) || 1),
  };
}
