import { ApiProperty } from '@nestjs/swagger';
import { IDENTITY_TYPES } from '../../security/authorization/principal';

/** Key usage covers at most 31 days: one row per hour and route (fewer than 40 routes). */
export const USAGE_KEY_RANGE_DAYS = 31;
export const USAGE_ROWS_MAX = USAGE_KEY_RANGE_DAYS * 24 * 40;

export class UsageRow {
  @ApiProperty({ format: 'date-time' }) hour!: string;
  @ApiProperty({ example: 'GET /v1/stations/:id', maxLength: 200 }) route!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
}

export class ApiKeyUsage {
  @ApiProperty({ format: 'uuid' }) apiKeyId!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
  @ApiProperty({
    type: [UsageRow],
    maxItems: USAGE_ROWS_MAX,
    description: 'One row per hour and route in the range',
  })
  data!: UsageRow[];
}

export class EndpointTotal {
  @ApiProperty({ maxLength: 200 }) route!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
}

export class CallerTotal {
  @ApiProperty({ enum: IDENTITY_TYPES }) identityType!: string;
  @ApiProperty({ maxLength: 64 }) identityId!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
}

export class TopUsage {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [EndpointTotal], maxItems: 100 }) endpoints!: EndpointTotal[];
  @ApiProperty({ type: [CallerTotal], maxItems: 100 }) callers!: CallerTotal[];
}
