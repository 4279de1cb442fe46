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
    type: 'array',
    items: { type: 'string', maxLength: 23, pattern: '^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$' },
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    example: Array.from(
      { length: RECOVERY_CODE_COUNT },
      (_, i) => `ABCDE-FGHIJ-KLMNO-PQRS${'234567ABCD'[i]}`,
    ),
  })
  recoveryCodes!: string[];
}

export class StepUpResponse {
  @ApiProperty({ format: 'date-time', description: 'The second factor counts from this time' })
  mfaAt!: string;
}
