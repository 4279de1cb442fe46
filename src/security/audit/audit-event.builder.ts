import { Injectable } from '@nestjs/common';
import { requestInfo } from '../../common/http/request-info';
import { Principal, identityOf } from '../authorization/principal';
import { ANONYMOUS, AuditActor, AuditEvent, outcomeForStatus } from './audit-event';
import { AuditNote, auditNoteOf } from './audited.decorator';
import { boundedEvent } from './audit-sanitise';

export interface EventFacts {
  action: string;
  status: number;
  resourceType?: string | null;
  resourceId?: string | null;
  reason?: string | null;
  details?: Record<string, unknown> | null;
  occurrences?: number;
}

/**
 * Builds audit events from a request: the actor, where it came from, and what happened. It
 * writes nothing: the chain writer (in a transaction) or the buffer (batched) does.
 */
@Injectable()
export class AuditEventBuilder {
  eventFor(request: object, facts: EventFacts): AuditEvent {
    const info = requestInfo(request);
    const note: AuditNote = auditNoteOf(request);
    // Bounded here, where the request's values enter the record (a queued event is small too).
    return boundedEvent({
      occurredAt: new Date(),
      requestId: info.requestId,
      traceId: info.traceId,
      actor: note.actor ?? actorOf((request as { user?: Principal }).user),
      action: note.action ?? facts.action,
      resourceType: facts.resourceType ?? null,
      resourceId: note.resourceId ?? facts.resourceId ?? null,
      outcome: outcomeForStatus(facts.status),
      httpStatus: facts.status,
      reason: note.reason ?? facts.reason ?? null,
      clientIp: info.clientIp,
      userAgent: info.userAgent,
      route: info.route,
      details: withClientRequestId(note.details ?? facts.details ?? null, info.clientRequestId),
      occurrences: facts.occurrences ?? 1,
    });
  }
}

/** The client's own request id rides in the details: the record's requestId is always ours. */
function withClientRequestId(
  details: Record<string, unknown> | null,
  clientRequestId: string | null,
): Record<string, unknown> | null {
  return clientRequestId === null ? details : { ...details, clientRequestId };
}

/** A key is recorded by its id (never its secret); a person by user id. */
export function actorOf(principal: Principal | undefined): AuditActor {
  if (!principal) return ANONYMOUS;
  const { type, id } = identityOf(principal);
  return principal.kind === 'user'
    ? { type, id, role: principal.role, method: 'jwt' }
    : { type, id, role: principal.ownerRole, method: 'api-key' };
}
