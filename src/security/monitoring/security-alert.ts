import { createHash } from 'node:crypto';
import { ANONYMOUS, AuditEvent } from '../audit/audit-event';

/** Every kind of alert the rules raise: a closed list (metric label, query filter, audit action). */
export const ALERT_TYPES = [
  'credential_stuffing',
  'brute_force',
  'api_key_many_addresses',
  'api_key_rotated_secret',
  'refresh_token_reuse',
  'object_probing',
  'privilege_granted',
  'audit_records_dropped',
  'audit_chain_broken',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const ALERT_ACTION_PREFIX = 'security.alert.';
export const alertAction = (type: AlertType): string => `${ALERT_ACTION_PREFIX}${type}`;

/** Evidence: counts, the window, ids or hashes. Never a secret, never a password or token. */
export type AlertEvidence = Record<string, string | number | boolean>;

export interface SecurityAlert {
  type: AlertType;
  occurredAt: Date;
  /** The client the alert is about, when it is one client (its IP, as every audit record has). */
  clientIp: string | null;
  /** Who the alert is about, when known: the identity type and id. */
  subject: { type: 'user' | 'api-key'; id: string } | null;
  evidence: AlertEvidence;
}

/** A short, stable hash to name something without showing it (an address, a session id). */
export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/** The alert as its own audit record: `security.alert.<type>`, by the system, with its evidence. */
export function alertAuditEvent(alert: SecurityAlert): AuditEvent {
  return {
    occurredAt: alert.occurredAt,
    requestId: null,
    actor: ANONYMOUS,
    action: alertAction(alert.type),
    resourceType: alert.subject?.type ?? null,
    resourceId: alert.subject?.id ?? null,
    outcome: 'success',
    httpStatus: 200,
    reason: `alert ${alert.type}`,
    clientIp: alert.clientIp,
    userAgent: null,
    route: null,
    details: { ...alert.evidence },
    occurrences: 1,
  };
}
