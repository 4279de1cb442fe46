import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ToInt } from '../validation/transforms';

export const MAX_PAGE = 100;

/** limit/offset paging for small administrative lists (users, API keys). */
export class PageQuery {
  @ApiPropertyOptional({ default: MAX_PAGE, minimum: 1, maximum: MAX_PAGE })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit: number = MAX_PAGE;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 10000 })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10000)
  offset: number = 0;
}

export class PageInfo {
  @ApiProperty({ minimum: 1, maximum: MAX_PAGE }) limit!: number;
  @ApiProperty({ minimum: 0 }) offset!: number;
  @ApiProperty({ minimum: 0 }) total!: number;
}

/** `findAndCount`'s [rows, total] as a page of mapped rows with its paging facts. */
export function toPage<T, R>(
  [items, total]: [T[], number],
  query: { limit: number; offset: number },
  map: (item: T) => R,
): { data: R[]; page: PageInfo } {
  return { data: items.map(map), page: { limit: query.limit, offset: query.offset, total } };
}
