import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { EMAIL_MAX_LENGTH } from '../../../common/identity/email-address';
import { IsAccountEmail } from '../../../common/validation/is-account-email.decorator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../../users/password-hasher';

/** wx?_ and 43 base64url characters; the bounds keep anything else from reaching the database. */
const TOKEN = { minLength: 1, maxLength: 64, example: 'wxv_<the token from the link>' } as const;

/** The address a link is mailed to (resend verification, request a reset). */
export class AccountEmailDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: EMAIL_MAX_LENGTH })
  @IsAccountEmail()
  email!: string;
}

export class VerifyEmailDto {
  @ApiProperty({ ...TOKEN, description: 'The token after `#token=` in the mailed link' })
  @IsString()
  @Length(TOKEN.minLength, TOKEN.maxLength)
  token!: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty({ ...TOKEN, example: 'wxp_<the token from the link>' })
  @IsString()
  @Length(TOKEN.minLength, TOKEN.maxLength)
  token!: string;

  /** The same policy as registration. */
  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  newPassword!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ example: 'ada@new.example', maxLength: EMAIL_MAX_LENGTH })
  @IsAccountEmail()
  email!: string;

  @ApiProperty({
    description: 'The current password, asked again',
    minLength: 1,
    maxLength: PASSWORD_MAX,
  })
  @IsString()
  @Length(1, PASSWORD_MAX)
  password!: string;
}
