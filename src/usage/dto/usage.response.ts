import { ApiProperty } from '@nestjs/swagger';

export class UsageRow {
  @ApiProperty({ format: 'date-time' }) hour!: string;
  @ApiProperty({ example: 'GET /v1/stations/:id' }) route!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
}

export class ApiKeyUsage {
  @ApiProperty({ format: 'uuid' }) apiKeyId!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
  @ApiProperty({ type: [UsageRow] }) data!: UsageRow[];
}

export class EndpointTotal {
  @ApiProperty() route!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
}

export class CallerTotal {
  @ApiProperty({ enum: ['user', 'api-key', 'anonymous'] }) identityType!: string;
  @ApiProperty() identityId!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() errors!: number;
}

export class TopUsage {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [EndpointTotal] }) endpoints!: EndpointTotal[];
  @ApiProperty({ type: [CallerTotal] }) callers!: CallerTotal[];
}
