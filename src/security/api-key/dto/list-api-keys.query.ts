import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../../common/pagination/page.query';

export class ListApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Admins only: keys of this owner' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
}
