import { Omittable } from '../../../common/validation/omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  Max,
  Min,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { ToDate, ToLowerCaseUuid } from '../../../common/validation/transforms';
import { API_KEY_SCOPES, ApiKeyScope } from '../../authorization/principal';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Tegel data logger', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({
    enum: API_KEY_SCOPES,
    isArray: true,
    maxItems: API_KEY_SCOPES.length,
    example: ['observations:write'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  @ApiPropertyOptional({ format: 'uuid', description: 'Bind the key to one station you manage' })
  @Omittable()
  @IsUUID()
  @ToLowerCaseUuid()
  stationId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 100000,
    description: 'Own requests-per-minute limit for this key',
  })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(100000)
  rateLimitPerMinute?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'In the future, at most one year ahead',
  })
  @Omittable()
  @ToDate()
  @IsDate({ message: 'expiresAt must be an ISO 8601 date-time with a time zone offset' })
  expiresAt?: Date;
}
