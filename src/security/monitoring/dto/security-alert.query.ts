import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsIn, IsInt, IsOptional, IsString, MaxLength, Max, Min } from 'class-validator';
import { ToDate, ToInt } from '../../../common/validation/transforms';
import { ALERT_TYPES, AlertType } from '../security-alert';

export class SecurityAlertQuery {
  @ApiPropertyOptional({ enum: ALERT_TYPES })
  @IsOptional()
  @IsIn(ALERT_TYPES)
  type?: AlertType;

  @ApiPropertyOptional({ format: 'date-time', description: 'Raised at or after this time' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'from must be an ISO 8601 date-time with a time zone offset' })
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Raised before this time' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'to must be an ISO 8601 date-time with a time zone offset' })
  to?: Date;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 100 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;

  @ApiPropertyOptional({
    description: 'Opaque cursor from nextCursor (newest first)',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
