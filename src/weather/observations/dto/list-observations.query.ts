import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ToDate, ToInt } from '../../../common/validation/transforms';

export const MAX_RANGE_DAYS = 31;

export class ListObservationsQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Inclusive start; default: 24 hours before `to`',
  })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'from must be an ISO 8601 date-time with a time zone offset' })
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive end; default: now' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'to must be an ISO 8601 date-time with a time zone offset' })
  to?: Date;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  @ApiPropertyOptional({
    description: 'Opaque cursor from the previous page’s nextCursor',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  cursor?: string;
}
