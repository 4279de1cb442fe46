import { ApiProperty } from '@nestjs/swagger';
import type { AuditLogEntry } from '../../audit/audit-log.entity';
import { ALERT_ACTION_PREFIX, ALERT_TYPES } from '../security-alert';

export class SecurityAlertRecord {
  @ApiProperty({ pattern: '^[0-9]{1,19}$', maxLength: 19, description: 'The audit record id' })
  id!: string;
  @ApiProperty({ enum: ALERT_TYPES }) type!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) clientIp!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['user', 'api-key'] })
  subjectType!: string | null;
  @ApiProperty({ nullable: true, type: String, maxLength: 64 }) subjectId!: string | null;
  @ApiProperty({
    type: Object,
    description: 'Counts, window, key id or hashes: never a secret',
    additionalProperties: {
      oneOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'boolean' }],
    },
  })
  evidence!: Record<string, unknown>;

  static from(row: AuditLogEntry): SecurityAlertRecord {
    return {
      id: row.id,
      type: row.action.slice(ALERT_ACTION_PREFIX.length),
      occurredAt: row.occurredAt.toISOString(),
      clientIp: row.clientIp,
      subjectType: row.resourceType,
      subjectId: row.resourceId,
      evidence: row.details ?? {},
    };
  }
}

export class SecurityAlertPage {
  @ApiProperty({ type: [SecurityAlertRecord], maxItems: 100 }) data!: SecurityAlertRecord[];
  @ApiProperty({ nullable: true, type: String, maxLength: 200 }) nextCursor!: string | null;
}
