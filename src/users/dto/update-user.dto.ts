import { Omittable } from '../../common/validation/omittable.decorator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn } from 'class-validator';
import { ROLES, Role } from '../user.entity';

/** What an admin may change: the role, and whether the account is disabled. */
export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES })
  @Omittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    description: 'true disables the user and revokes their sessions and keys at once',
  })
  @Omittable()
  @IsBoolean()
  disabled?: boolean;
}
