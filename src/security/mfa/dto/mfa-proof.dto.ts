import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { RECOVERY_CODE } from '../recovery-codes';
import { TOTP_CODE } from '../totp';

/** A second factor: the current TOTP code, or one of the recovery codes (exactly one). */
export class MfaProofDto {
  @ApiPropertyOptional({
    description: 'The 6-digit code of the authenticator app',
    pattern: TOTP_CODE.source,
    minLength: 6,
    maxLength: 6,
    example: '123456',
  })
  @IsOptional()
  @IsString()
  @Matches(TOTP_CODE, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({
    description: 'One of the single-use recovery codes given when MFA was turned on',
    pattern: RECOVERY_CODE.source,
    minLength: 20,
    maxLength: 23,
  })
  @IsOptional()
  @IsString()
  @Matches(RECOVERY_CODE, { message: 'recoveryCode must be a recovery code' })
  recoveryCode?: string;
}
