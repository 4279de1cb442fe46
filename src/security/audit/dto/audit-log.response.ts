import { ApiProperty } from '@nestjs/swagger';
import { ACTOR_TYPES, AUDIT_OUTCOMES } from '../audit-event';
import { AuditLogEntry } from '../audit-log.entity';

export class AuditLogRecord {
  @ApiProperty({ pattern: '^[0-9]{1,19}$', maxLength: 19 }) id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) requestId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    pattern: '^[0-9a-f]{32}$',
    maxLength: 32,
    description: 'W3C trace id of the request; null for records written outside one',
  })
  traceId!: string | null;
  @ApiProperty({ enum: ACTOR_TYPES }) actorType!: string;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) actorId!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 16 }) actorRole!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 16 }) authMethod!: string | null;
  @ApiProperty({ maxLength: 64 }) action!: string;
  @ApiProperty({ nullable: true, type: String, maxLength: 32 }) resourceType!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) resourceId!: string | null;
  @ApiProperty({ enum: AUDIT_OUTCOMES }) outcome!: string;
  @ApiProperty() httpStatus!: number;
  @ApiProperty({ nullable: true, type: String, maxLength: 200 }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) clientIp!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 200 }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 200 }) route!: string | null;
  @ApiProperty({ nullable: true, type: Object }) details!: Record<string, unknown> | null;
  @ApiProperty() occurrences!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    pattern: '^[0-9]{1,19}$',
    maxLength: 19,
    description: 'Position in the hash chain (seal order); null while the record is pending',
  })
  sealSeq!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    pattern: '^[0-9a-f]{64}$',
    maxLength: 64,
    description: 'Hash of the record before it in the chain; null while pending (not yet sealed)',
  })
  prevHash!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    pattern: '^[0-9a-f]{64}$',
    maxLength: 64,
    description: 'SHA-256 over prevHash and the record; null while pending (not yet sealed)',
  })
  hash!: string | null;

  static from(row: AuditLogEntry): AuditLogRecord {
    return { ...row, occurredAt: row.occurredAt.toISOString() };
  }
}

export class AuditLogPage {
  @ApiProperty({ type: [AuditLogRecord], maxItems: 500 }) data!: AuditLogRecord[];
  @ApiProperty({ nullable: true, type: String, maxLength: 200 }) nextCursor!: string | null;
}

export class ChainVerificationResponse {
  @ApiProperty() valid!: boolean;
  @ApiProperty() checked!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    maxLength: 19,
    description: 'Id of the first record whose link or hash does not match',
  })
  firstInvalidId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    maxLength: 19,
    description:
      'Chain position (sealSeq) to pass as ?from= to check the next range; null when this range reached the sealed end',
  })
  nextFrom!: string | null;
  @ApiProperty({ description: 'Records lost (queue full) before they reached the chain' })
  dropped!: number;
  @ApiProperty({ description: 'Records the database refused, replaced by quarantine records' })
  quarantined!: number;
  @ApiProperty({ description: 'Records in the chain (sealed), in the whole log' })
  sealed!: number;
  @ApiProperty({
    description:
      'Committed records not yet sealed: not covered by this check, the sealer links them shortly',
  })
  pending!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Seconds since the oldest pending record occurred; null when none is pending',
  })
  oldestPendingSeconds!: number | null;
}
