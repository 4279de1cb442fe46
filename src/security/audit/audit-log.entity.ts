import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ACTOR_TYPES, AUDIT_OUTCOMES, ActorType, AuditOutcome, sqlList } from './audit-event';

// Constraint and index names match migrations/, the source of truth. The append-only
// trigger has no TypeORM counterpart and lives in the migration alone.
/**
 * One audit record. Rows are inserted unsealed (seal_seq, prev_hash and hash null) and sealed
 * once by the sealer; a trigger rejects every other UPDATE, every DELETE and a sealed INSERT.
 */
@Entity({ name: 'audit_log' })
@Check('audit_log_actor_type_check', `actor_type IN (${sqlList(ACTOR_TYPES)})`)
@Check('audit_log_trace_id_check', `trace_id ~ '^[0-9a-f]{32}$'`)
@Check('audit_log_outcome_check', `outcome IN (${sqlList(AUDIT_OUTCOMES)})`)
@Index('audit_log_actor_idx', ['actorId', 'id'])
@Index('audit_log_action_idx', ['action', 'id'])
@Index('audit_log_time_idx', ['occurredAt'])
@Check(
  'audit_log_seal_check',
  `(seal_seq IS NULL AND prev_hash IS NULL AND hash IS NULL) OR (seal_seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)`,
)
@Index('audit_log_seal_seq_key', ['sealSeq'], { unique: true })
@Index('audit_log_unsealed_idx', ['id'], { where: 'seal_seq IS NULL' })
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
  /** Position in the chain (seal order, not id order); null until sealed. */
  @Column({ name: 'seal_seq', type: 'bigint', nullable: true }) sealSeq!: string | null;
  @Column({ name: 'prev_hash', type: 'char', length: 64, nullable: true })
  prevHash!: string | null;
  @Column({ type: 'char', length: 64, nullable: true }) hash!: string | null;
}
