import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ToDate, ToInt } from '../../common/validation/transforms';

export class UsageQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'Default: 24 hours before `to`' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'from must be an ISO 8601 date-time with a time zone offset' })
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'to must be an ISO 8601 date-time with a time zone offset' })
  to?: Date;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 100 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 10;
}
