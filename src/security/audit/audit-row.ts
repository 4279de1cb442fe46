import type { AuditEvent } from './audit-event';
import { AuditLogEntry } from './audit-log.entity';

/** The stored columns of a record, from the event it was written for. */
export function toRow(
  event: AuditEvent,
): Omit<AuditLogEntry, 'id' | 'sealSeq' | 'prevHash' | 'hash'> {
  return {
    occurredAt: event.occurredAt,
    requestId: event.requestId,
    traceId: event.traceId ?? null,
    actorType: event.actor.type,
    actorId: event.actor.id,
    actorRole: event.actor.role,
    authMethod: event.actor.method,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    outcome: event.outcome,
    httpStatus: event.httpStatus,
    reason: event.reason,
    clientIp: event.clientIp,
    userAgent: event.userAgent,
    route: event.route,
    details: event.details,
    occurrences: event.occurrences,
  };
}

/** The event a stored row was written from, for verification. */
export function eventOf(row: AuditLogEntry): AuditEvent {
  return {
    occurredAt: row.occurredAt,
    requestId: row.requestId,
    traceId: row.traceId,
    actor: { type: row.actorType, id: row.actorId, role: row.actorRole, method: row.authMethod },
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    outcome: row.outcome,
    httpStatus: row.httpStatus,
    reason: row.reason,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    route: row.route,
    details: row.details,
    occurrences: row.occurrences,
  };
}
