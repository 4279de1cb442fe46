import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, Matches } from 'class-validator';

export const MAX_DAILY_RANGE_DAYS = 366;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Local calendar days in the station's time zone, both inclusive. */
export class DailySummaryQuery {
  @ApiProperty({ format: 'date', example: '2026-11-01' })
  @Matches(LOCAL_DATE, { message: 'from must be a date like 2026-11-01' })
  @IsISO8601({ strict: true }, { message: 'from must be a real calendar date' })
  from!: string;

  @ApiProperty({ format: 'date', example: '2026-11-30' })
  @Matches(LOCAL_DATE, { message: 'to must be a date like 2026-11-30' })
  @IsISO8601({ strict: true }, { message: 'to must be a real calendar date' })
  to!: string;
}
