import { Omittable } from '../../../common/validation/omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsInt,
  Matches,
  Max,
  Min,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { ToDate, ToLowerCaseUuid } from '../../../common/validation/transforms';
import type { ApiKeyScope } from '../../authorization/principal';
import { MAX_SCOPES, SCOPE_FORMAT } from '../api-key.options';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Tegel data logger', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  // The host's scope names are checked by ApiKeysService (they are options, not constants);
  // the host's OpenAPI document lists them (documentApiKeyScopes).
  @ApiProperty({
    isArray: true,
    type: String,
    maxItems: MAX_SCOPES,
    example: ['observations:write'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SCOPES)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(SCOPE_FORMAT, { each: true, message: 'each value in scopes must be a scope name' })
  scopes!: ApiKeyScope[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Bind the key to one resource you manage (in this API: a station)',
  })
  @Omittable()
  @IsUUID()
  @ToLowerCaseUuid()
  resourceId?: string;

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
