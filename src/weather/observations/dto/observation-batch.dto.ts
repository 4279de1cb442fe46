import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { CreateObservationDto } from './create-observation.dto';

export const MAX_BATCH = 500;

/** The normalised ingest body: a single observation arrives here as a batch of one. */
export class ObservationBatchDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @ValidateNested({ each: true })
  @Type(() => CreateObservationDto)
  observations!: CreateObservationDto[];
}
