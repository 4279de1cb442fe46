import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ToInt, ToNumber } from '../../../common/validation/transforms';
import { STATION_CODE } from './create-station.dto';

export class ListStationsQuery {
  @ApiPropertyOptional({
    description: 'Exact station code',
    example: 'BER_TEGEL',
    pattern: STATION_CODE.source,
    maxLength: 16,
  })
  @IsOptional()
  @IsString()
  @Matches(STATION_CODE, { message: 'code must be 3-16 characters of A-Z, 0-9, _ or -' })
  code?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({
    description: 'Bounding box: southern latitude',
    minimum: -90,
    maximum: 90,
  })
  @IsOptional()
  @ToNumber()
  @IsNumber()
  @Min(-90)
  @Max(90)
  minLat?: number;

  @ApiPropertyOptional({
    description: 'Bounding box: northern latitude',
    minimum: -90,
    maximum: 90,
  })
  @IsOptional()
  @ToNumber()
  @IsNumber()
  @Min(-90)
  @Max(90)
  maxLat?: number;

  @ApiPropertyOptional({
    description: 'Bounding box: western longitude',
    minimum: -180,
    maximum: 180,
  })
  @IsOptional()
  @ToNumber()
  @IsNumber()
  @Min(-180)
  @Max(180)
  minLon?: number;

  @ApiPropertyOptional({
    description: 'Bounding box: eastern longitude',
    minimum: -180,
    maximum: 180,
  })
  @IsOptional()
  @ToNumber()
  @IsNumber()
  @Min(-180)
  @Max(180)
  maxLon?: number;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 10000 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10000)
  offset: number = 0;
}
