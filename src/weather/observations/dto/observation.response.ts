import { ApiProperty } from '@nestjs/swagger';
import type { ObservationRow } from '../observation.entity';

export class ObservationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) stationId!: string;
  @ApiProperty({ format: 'date-time' }) observedAt!: string;
  @ApiProperty() temperatureC!: number;
  @ApiProperty({ nullable: true, type: Number }) relativeHumidity!: number | null;
  @ApiProperty({ nullable: true, type: Number }) pressureHpa!: number | null;
  @ApiProperty({ nullable: true, type: Number }) windSpeedMs!: number | null;
  @ApiProperty({ nullable: true, type: Number }) windDirectionDeg!: number | null;
  @ApiProperty({ nullable: true, type: Number }) precipitationMm!: number | null;

  static from(o: ObservationRow): ObservationResponse {
    return {
      id: o.id,
      stationId: o.stationId,
      observedAt: o.observedAt.toISOString(),
      temperatureC: o.temperatureC,
      relativeHumidity: o.relativeHumidity,
      pressureHpa: o.pressureHpa,
      windSpeedMs: o.windSpeedMs,
      windDirectionDeg: o.windDirectionDeg,
      precipitationMm: o.precipitationMm,
    };
  }
}

export class ObservationPage {
  @ApiProperty({ type: [ObservationResponse], maxItems: 1000 }) data!: ObservationResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    maxLength: 200,
    description: 'Pass as `cursor` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class IngestResult {
  @ApiProperty({ example: 24, description: 'Observations written (all of the batch, or none)' })
  count!: number;
}
