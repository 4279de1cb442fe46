import { ApiProperty } from '@nestjs/swagger';

/** The password was right and the account has MFA: no session yet, only this. */
export class MfaChallengeResponse {
  @ApiProperty({ enum: [true] })
  mfaRequired!: true;

  @ApiProperty({
    description:
      'Opaque, single use, short-lived: send it with a code to /v1/auth/login/mfa. Not an access token.',
    maxLength: 100,
  })
  mfaToken!: string;

  @ApiProperty({ example: 300, description: 'Seconds the mfaToken stays usable' })
  expiresIn!: number;
}
