import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PASSWORD_MAX } from '../../../users/password-hasher';

/** Turning on a factor changes how the account signs in: the password again, not just a token. */
export class StartEnrolmentDto {
  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX, description: 'Your current password' })
  @IsString()
  @Length(1, PASSWORD_MAX)
  password!: string;
}
