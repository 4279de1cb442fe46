import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ACTOR_TYPES, AUDIT_OUTCOMES, ActorType, AuditOutcome, sqlList } from './audit-event';

// Constraint and index names match migrations/, the source of truth. The append-only
// trigger has no TypeORM counterpart and lives in the migration alone.
/** One audit record. Rows are only ever inserted; a trigger rejects UPDATE and DELETE. */
@Entity({ name: 'audit_log' })
@Check('audit_log_actor_type_check', `actor_type IN (${sqlList(ACTOR_TYPES)})`)
@Check('audit_log_trace_id_check', `trace_id ~ '^[0-9a-f]{32}$'`)
@Check('audit_log_outcome_check', `outcome IN (${sqlList(AUDIT_OUTCOMES)})`)
@Index('audit_log_actor_idx', ['actorId', 'id'])
@Index('audit_log_action_idx', ['action', 'id'])
@Index('audit_log_time_idx', ['occurredAt'])
@Index('audit_log_trace_idx', ['traceId', 'id'], { where: 'trace_id IS NOT NULL' })
export class AuditLogEntry {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'audit_log_pkey',
  })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', precision: 3 }) occurredAt!: Date;
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;
  /** W3C trace id; null on records written outside a request or before traces were kept. */
  @Column({ name: 'trace_id', type: 'char', length: 32, nullable: true })
  traceId!: string | null;
  @Column({ name: 'actor_type', type: 'varchar', length: 16 }) actorType!: ActorType;
  @Column({ name: 'actor_id', type: 'varchar', length: 64, nullable: true })
  actorId!: string | null;
  @Column({ name: 'actor_role', type: 'varchar', length: 16, nullable: true })
  actorRole!: string | null;
  @Column({ name: 'auth_method', type: 'varchar', length: 16, nullable: true })
  authMethod!: string | null;
  @Column({ type: 'varchar', length: 64 }) action!: string;
  @Column({ name: 'resource_type', type: 'varchar', length: 32, nullable: true })
  resourceType!: string | null;
  @Column({ name: 'resource_id', type: 'varchar', length: 64, nullable: true })
  resourceId!: string | null;
  @Column({ type: 'varchar', length: 16 }) outcome!: AuditOutcome;
  @Column({ name: 'http_status', type: 'smallint' }) httpStatus!: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) reason!: string | null;
  @Column({ name: 'client_ip', type: 'varchar', length: 64, nullable: true })
  clientIp!: string | null;
  @Column({ name: 'user_agent', type: 'varchar', length: 200, nullable: true })
  userAgent!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) route!: string | null;
  @Column({ type: 'jsonb', nullable: true }) details!: Record<string, unknown> | null;
  @Column({ type: 'integer', default: 1 }) occurrences!: number;
  @Column({ name: 'prev_hash', type: 'char', length: 64 }) prevHash!: string;
  @Column({ type: 'char', length: 64 }) hash!: string;
}
