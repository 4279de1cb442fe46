import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { MfaProofDto } from './mfa-proof.dto';
import { MFA_TOKEN } from '../mfa-token';

export class LoginMfaDto extends MfaProofDto {
  @ApiProperty({
    description: 'The mfaToken POST /v1/auth/login answered with',
    pattern: MFA_TOKEN.source,
    minLength: 47,
    maxLength: 47,
  })
  @IsString()
  @Matches(MFA_TOKEN, { message: 'mfaToken is not an MFA token' })
  mfaToken!: string;
}
