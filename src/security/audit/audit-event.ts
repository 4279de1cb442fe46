import { IDENTITY_TYPES, IdentityType } from '../authorization/principal';

/** Who can act, and how a request can end: the one list each (DTOs, entity, and the migration's CHECKs agree). */
export const ACTOR_TYPES = IDENTITY_TYPES;
export const AUDIT_OUTCOMES = ['success', 'denied', 'invalid', 'throttled', 'error'] as const;
export type ActorType = IdentityType;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** `'a', 'b'` for a CHECK (x IN (...)) built from one of the lists above. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

export interface AuditActor {
  type: ActorType;
  id: string | null;
  role: string | null;
  /** How the actor proved who they are: jwt, api-key, password, refresh-token. */
  method: string | null;
}

/** Everything an audit record says, before it is chained. Never a secret: ids and prefixes only. */
export interface AuditEvent {
  occurredAt: Date;
  requestId: string | null;
  /**
   * The W3C trace id of the request (32 lowercase hex), to join a gateway's trace with this
   * record. Absent or null for a record written outside a request, and for every record
   * written before traces were recorded: their hashes do not include it (see audit-hash.ts).
   */
  traceId?: string | null;
  actor: AuditActor;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: AuditOutcome;
  httpStatus: number;
  reason: string | null;
  clientIp: string | null;
  userAgent: string | null;
  route: string | null;
  details: Record<string, unknown> | null;
  occurrences: number;
}

export const ANONYMOUS: AuditActor = { type: 'anonymous', id: null, role: null, method: null };

export function outcomeForStatus(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403 || status === 404) return 'denied';
  if (status < 500) return 'invalid';
  return 'error';
}
