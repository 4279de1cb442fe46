import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../../common/pagination/page.query';
import { ToLowerCaseUuid } from '../../../common/validation/transforms';

export class ListApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Admins only: keys of this owner' })
  @IsOptional()
  @IsUUID()
  @ToLowerCaseUuid()
  ownerId?: string;
}
