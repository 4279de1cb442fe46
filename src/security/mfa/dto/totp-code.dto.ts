import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { TOTP_CODE } from '../totp';

export class TotpCodeDto {
  @ApiProperty({
    description: 'The 6-digit code the authenticator app shows',
    pattern: TOTP_CODE.source,
    minLength: 6,
    maxLength: 6,
    example: '123456',
  })
  @IsString()
  @Matches(TOTP_CODE, { message: 'code must be 6 digits' })
  code!: string;
}
