import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { AUDIT_OUTCOMES, AuditOutcome } from '../audit-event';
import { ToDate, ToInt } from '../../../common/validation/transforms';

export class AuditLogQuery {
  @ApiPropertyOptional({
    description: 'Actor id (user id or API-key id)',
    pattern: '^[A-Za-z0-9-]{1,64}$',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/)
  actor?: string;

  @ApiPropertyOptional({ example: 'auth.login.failed', pattern: '^[a-z_.]{1,64}$', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_.]{1,64}$/)
  action?: string;

  @ApiPropertyOptional({
    description: "W3C trace id (from a gateway's traceparent, or a traceresponse header)",
    pattern: '^[0-9a-f]{32}$',
    maxLength: 32,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{32}$/, { message: 'traceId must be 32 lowercase hex characters' })
  traceId?: string;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: AuditOutcome;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'from must be an ISO 8601 date-time with a time zone offset' })
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'to must be an ISO 8601 date-time with a time zone offset' })
  to?: Date;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 100;

  @ApiPropertyOptional({
    description: 'Opaque cursor from nextCursor (newest first)',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  cursor?: string;
}
