import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

export class ListApiKeysQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Admins only: keys of this owner' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
}
