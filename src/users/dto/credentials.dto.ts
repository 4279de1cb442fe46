import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../password-hasher';

/** Register and login body. A `role` field here is a 400: people cannot choose their role. */
export class CredentialsDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
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
