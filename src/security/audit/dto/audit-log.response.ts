import { ApiProperty } from '@nestjs/swagger';
import { AuditLogEntry } from '../audit-log.entity';

export class AuditLogRecord {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty({ enum: ['user', 'api-key', 'anonymous'] }) actorType!: string;
  @ApiProperty({ nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ nullable: true, type: String }) actorRole!: string | null;
  @ApiProperty({ nullable: true, type: String }) authMethod!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) resourceType!: string | null;
  @ApiProperty({ nullable: true, type: String }) resourceId!: string | null;
  @ApiProperty() outcome!: string;
  @ApiProperty() httpStatus!: number;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) clientIp!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String }) route!: string | null;
  @ApiProperty({ nullable: true, type: Object }) details!: Record<string, unknown> | null;
  @ApiProperty() occurrences!: number;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;

  static from(row: AuditLogEntry): AuditLogRecord {
    return { ...row, occurredAt: row.occurredAt.toISOString() };
  }
}

export class AuditLogPage {
  @ApiProperty({ type: [AuditLogRecord] }) data!: AuditLogRecord[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ChainVerificationResponse {
  @ApiProperty() valid!: boolean;
  @ApiProperty() checked!: number;
  @ApiProperty({ nullable: true, type: String }) firstInvalidId!: string | null;
}
