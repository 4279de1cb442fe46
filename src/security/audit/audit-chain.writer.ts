import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PreparedStatement } from '../../database/prepared-statement';
import type { AuditEvent } from './audit-event';
import { AuditRecordEvents } from './audit-record.events';
import { AuditSealer } from './audit-sealer';
import { boundedEvent } from './audit-sanitise';
import { toRow } from './audit-row';

export { eventOf } from './audit-row';

/** The columns a writer sets, in the order of the statement's parameters. */
const COLUMNS = [
  'occurred_at',
  'request_id',
  'trace_id',
  'actor_type',
  'actor_id',
  'actor_role',
  'auth_method',
  'action',
  'resource_type',
  'resource_id',
  'outcome',
  'http_status',
  'reason',
  'client_ip',
  'user_agent',
  'route',
  'details',
  'occurrences',
] as const;

const insertUnsealed = new PreparedStatement(
  'audit_insert_unsealed',
  `INSERT INTO audit_log (${COLUMNS.join(', ')})
   VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
);

/**
 * Appends records inside the caller's transaction, unsealed: one named INSERT per record, no
 * lock and no read of the chain's tail, so concurrent writers (requests, batches, other app
 * instances) do not wait for each other. The record commits or rolls back with the caller's
 * change; AuditSealer chains it once committed. One INSERT per record keeps id order equal to
 * the order of `events`, which the sealer keeps within a batch.
 */
@Injectable()
export class AuditChainWriter {
  constructor(
    private readonly events: AuditRecordEvents,
    private readonly sealer: AuditSealer,
  ) {}

  async append(manager: EntityManager, events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const given of events) {
      // Again here: whatever a caller built, what is stored is bounded; the sealer hashes it.
      await insertUnsealed.rows(manager, valuesOf(boundedEvent(given)));
    }
    this.events.written(events);
    this.sealer.soon();
  }
}

function valuesOf(event: AuditEvent): unknown[] {
  const row = toRow(event);
  return [
    row.occurredAt,
    row.requestId,
    row.traceId,
    row.actorType,
    row.actorId,
    row.actorRole,
    row.authMethod,
    row.action,
    row.resourceType,
    row.resourceId,
    row.outcome,
    row.httpStatus,
    row.reason,
    row.clientIp,
    row.userAgent,
    row.route,
    // jsonb: the driver would send an array as a PostgreSQL array, so the text is sent instead.
    row.details === null ? null : JSON.stringify(row.details),
    row.occurrences,
  ];
}
