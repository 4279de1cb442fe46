import { ApiProperty } from '@nestjs/swagger';
import { RECOVERY_CODE_COUNT } from '../recovery-codes';

export class TotpEnrolmentResponse {
  @ApiProperty({ description: 'Base32 TOTP secret, shown once', maxLength: 64 })
  secret!: string;

  @ApiProperty({
    description: 'otpauth:// URL for a QR code (SHA1, 6 digits, 30 s)',
    maxLength: 512,
    example: 'otpauth://totp/weather-api:ada%40example.com?secret=...&issuer=weather-api',
  })
  otpauthUrl!: string;
}

export class RecoveryCodesResponse {
  @ApiProperty({
    description: 'Single-use recovery codes, shown once: keep them offline',
    type: [String],
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    example: ['ABCDE-FGHIJ-KLMNO-PQRST'],
  })
  recoveryCodes!: string[];
}

export class StepUpResponse {
  @ApiProperty({ format: 'date-time', description: 'The second factor counts from this time' })
  mfaAt!: string;
}
