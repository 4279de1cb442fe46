import { PartialType } from '@nestjs/swagger';
import { CreateStationDto } from './create-station.dto';

/**
 * Every field may be left out, none may be null (skipNullProperties: false, so `{"name": null}`
 * is a 400, not a NOT NULL violation); unknown fields (id, ownerId, createdAt) are rejected.
 */
export class UpdateStationDto extends PartialType(CreateStationDto, {
  skipNullProperties: false,
}) {}
