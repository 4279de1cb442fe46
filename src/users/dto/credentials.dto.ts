import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { EMAIL_MAX_LENGTH } from '../../common/identity/email-address';
import { IsAccountEmail } from '../../common/validation/is-account-email.decorator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../password-hasher';

/** Register and login body. A `role` field here is a 400: people cannot choose their role. */
export class CredentialsDto {
  @ApiProperty({
    example: 'ada@example.com',
    maxLength: EMAIL_MAX_LENGTH,
    description: 'Compared after NFKC and lower-casing; see docs/SECURITY.md, "E-mail identity"',
  })
  @IsAccountEmail()
  email!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    example: 'correct horse battery staple',
  })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  password!: string;
}
