import { ApiProperty } from '@nestjs/swagger';

export class DailySummary {
  @ApiProperty({
    format: 'date',
    example: '2026-11-20',
    description: 'Local date in the station time zone',
  })
  date!: string;
  @ApiProperty() minTemperatureC!: number;
  @ApiProperty() maxTemperatureC!: number;
  @ApiProperty() meanTemperatureC!: number;
  @ApiProperty({ description: 'Sum of reported precipitation; missing values count as 0' })
  totalPrecipitationMm!: number;
  @ApiProperty() observationCount!: number;
}

export class DailySummaryList {
  @ApiProperty({ format: 'uuid' }) stationId!: string;
  @ApiProperty({ maxLength: 64 }) timezone!: string;
  @ApiProperty({ type: [DailySummary], maxItems: 366 }) data!: DailySummary[];
}
