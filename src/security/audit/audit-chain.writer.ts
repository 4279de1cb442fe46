import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuditEvent } from './audit-event';
import { GENESIS_HASH, chainHash } from './audit-hash';
import { AuditLogEntry } from './audit-log.entity';
import { AuditRecordEvents } from './audit-record.events';
import { boundedEvent } from './audit-sanitise';

/** Any constant: the advisory lock that serialises appends to the chain, across instances. */
const CHAIN_LOCK = 7_313_001;

/**
 * Appends records to the hash chain inside the caller's transaction. The transaction-scoped
 * advisory lock makes "read the last hash, insert the next row" atomic for every writer on the
 * same database (requests, batches, other app instances); it is released at commit, so the
 * next writer reads a committed tail. Rows are insert()ed, never save()d.
 */
@Injectable()
export class AuditChainWriter {
  constructor(private readonly events: AuditRecordEvents) {}

  async append(manager: EntityManager, events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const tail = await manager.query<Array<{ hash: string }>>(
      'SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    let prevHash = tail[0]?.hash ?? GENESIS_HASH;
    const rows = events.map((given) => {
      // Again here: whatever a caller built, the chain hashes exactly what is stored.
      const event = boundedEvent(given);
      const hash = chainHash(prevHash, event);
      const row = { ...toRow(event), prevHash, hash };
      prevHash = hash;
      return row;
    });
    // One row per INSERT keeps id order identical to chain order without relying on VALUES order.
    for (const row of rows)
      await manager.getRepository(AuditLogEntry).insert(row as Partial<AuditLogEntry> as never);
    this.events.written(events);
  }
}

function toRow(event: AuditEvent): Omit<AuditLogEntry, 'id' | 'prevHash' | 'hash'> {
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
