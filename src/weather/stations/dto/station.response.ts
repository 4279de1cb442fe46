import { ApiProperty } from '@nestjs/swagger';
import { PageInfo } from '../../../common/pagination/page.query';
import type { StationRow } from '../station.entity';

/** What a client sees of a station; built field by field so nothing leaks by accident. */
export class StationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 16 }) code!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty() latitude!: number;
  @ApiProperty() longitude!: number;
  @ApiProperty() elevationM!: number;
  @ApiProperty({ maxLength: 64 }) timezone!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) ownerId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(station: StationRow): StationResponse {
    return {
      id: station.id,
      code: station.code,
      name: station.name,
      latitude: station.latitude,
      longitude: station.longitude,
      elevationM: station.elevationM,
      timezone: station.timezone,
      ownerId: station.ownerId,
      createdAt: station.createdAt.toISOString(),
      updatedAt: station.updatedAt.toISOString(),
    };
  }
}

export class StationPage {
  @ApiProperty({ type: [StationResponse], maxItems: 100 }) data!: StationResponse[];
  @ApiProperty() page!: PageInfo;
}
