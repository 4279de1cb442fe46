import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ToInt } from '../../../common/validation/transforms';
import { VERIFY_LIMITS } from '../audit-verifier.service';

/** A bounded range of the chain: a large log is verified by following `nextFrom`. */
export class VerifyQuery {
  @ApiPropertyOptional({
    description:
      'First chain position (sealSeq) to check (default: the first record); from a previous nextFrom',
    pattern: '^[1-9][0-9]{0,18}$',
    maxLength: 19,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'from must be a chain position' })
  from?: string;

  @ApiPropertyOptional({
    default: VERIFY_LIMITS.defaultLimit,
    minimum: 1,
    maximum: VERIFY_LIMITS.maxLimit,
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(VERIFY_LIMITS.maxLimit)
  limit: number = VERIFY_LIMITS.defaultLimit;
}
