import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ActorType, AuditOutcome } from './audit-event';

/** One audit record. Rows are only ever inserted; a trigger rejects UPDATE and DELETE. */
@Entity({ name: 'audit_log' })
export class AuditLogEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', precision: 3 }) occurredAt!: Date;
  @Column({ name: 'request_id', type: 'varchar', nullable: true }) requestId!: string | null;
  @Column({ name: 'actor_type', type: 'varchar' }) actorType!: ActorType;
  @Column({ name: 'actor_id', type: 'varchar', nullable: true }) actorId!: string | null;
  @Column({ name: 'actor_role', type: 'varchar', nullable: true }) actorRole!: string | null;
  @Column({ name: 'auth_method', type: 'varchar', nullable: true }) authMethod!: string | null;
  @Column({ type: 'varchar' }) action!: string;
  @Column({ name: 'resource_type', type: 'varchar', nullable: true }) resourceType!: string | null;
  @Column({ name: 'resource_id', type: 'varchar', nullable: true }) resourceId!: string | null;
  @Column({ type: 'varchar' }) outcome!: AuditOutcome;
  @Column({ name: 'http_status', type: 'smallint' }) httpStatus!: number;
  @Column({ type: 'varchar', nullable: true }) reason!: string | null;
  @Column({ name: 'client_ip', type: 'varchar', nullable: true }) clientIp!: string | null;
  @Column({ name: 'user_agent', type: 'varchar', nullable: true }) userAgent!: string | null;
  @Column({ type: 'varchar', nullable: true }) route!: string | null;
  @Column({ type: 'jsonb', nullable: true }) details!: Record<string, unknown> | null;
  @Column({ type: 'integer' }) occurrences!: number;
  @Column({ name: 'prev_hash', type: 'char', length: 64 }) prevHash!: string;
  @Column({ type: 'char', length: 64 }) hash!: string;
}
