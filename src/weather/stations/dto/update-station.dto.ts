import { PartialType } from '@nestjs/swagger';
import { CreateStationDto } from './create-station.dto';

/** Every field optional; unknown fields (id, ownerId, createdAt) are still rejected. */
export class UpdateStationDto extends PartialType(CreateStationDto) {}
