import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsNumber, IsOptional, Max, Min, MinDate, NotEquals } from 'class-validator';
import { IsNotFuture } from '../../../common/validation/is-not-future.decorator';
import { ToDate } from '../../../common/validation/transforms';

const FIVE_MINUTES_MS = 5 * 60 * 1000;
/** Instrumental records start in the mid-19th century; anything earlier is a mistake. */
const EARLIEST_OBSERVATION = new Date('1850-01-01T00:00:00Z');
const finite = { allowNaN: false, allowInfinity: false };

export class CreateObservationDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-11-20T12:07:30Z',
    description: 'ISO 8601 with offset; at most 5 minutes in the future',
  })
  @ToDate()
  @IsDate({ message: 'observedAt must be an ISO 8601 date-time with a time zone offset' })
  @IsNotFuture(FIVE_MINUTES_MS)
  @MinDate(EARLIEST_OBSERVATION, { message: 'observedAt must not be before 1850-01-01' })
  observedAt!: Date;

  @ApiProperty({ minimum: -90, maximum: 60, example: 11.5 })
  @IsNumber(finite)
  @Min(-90)
  @Max(60)
  temperatureC!: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, example: 81 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(100)
  relativeHumidity?: number;

  @ApiPropertyOptional({ minimum: 850, maximum: 1100, example: 1013.2 })
  @IsOptional()
  @IsNumber(finite)
  @Min(850)
  @Max(1100)
  pressureHpa?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 120, example: 4.2 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(120)
  windSpeedMs?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 360, exclusiveMaximum: true, example: 250 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(360)
  @NotEquals(360, { message: 'windDirectionDeg must be less than 360' })
  windDirectionDeg?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 500, example: 0.4 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(500)
  precipitationMm?: number;
}
