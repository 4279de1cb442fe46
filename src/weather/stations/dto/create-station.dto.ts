import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsIanaTimezone } from '../../../common/validation/is-iana-timezone.decorator';

export const STATION_CODE = /^[A-Z0-9_-]{3,16}$/;

/** Fields a caller may set. ownerId is absent on purpose: it comes from the caller's identity. */
export class CreateStationDto {
  @ApiProperty({ example: 'BER_TEGEL', pattern: STATION_CODE.source, maxLength: 16 })
  @IsString()
  @Matches(STATION_CODE, { message: 'code must be 3-16 characters of A-Z, 0-9, _ or -' })
  code!: string;

  @ApiProperty({ example: 'Berlin Tegel', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ example: 52.5644, minimum: -90, maximum: 90 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  latitude!: number;

  @ApiProperty({ example: 13.3088, minimum: -180, maximum: 180 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  longitude!: number;

  @ApiProperty({ example: 36, minimum: -500, maximum: 9000 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-500)
  @Max(9000)
  elevationM!: number;

  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone name', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  @IsIanaTimezone()
  timezone!: string;
}

/** A station that is not in the demo data, so the documented example creates one (201). */
export const EXAMPLE_NEW_STATION = {
  code: 'OFFICE_ROOF',
  name: 'Office roof',
  latitude: 52.52,
  longitude: 13.405,
  elevationM: 48,
  timezone: 'Europe/Berlin',
};
