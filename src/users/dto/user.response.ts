import { ApiProperty } from '@nestjs/swagger';
import { MAX_PAGE, PageInfo } from '../../common/pagination/page.query';
import { ROLES, Role, User } from '../user.entity';

/** The public view of a user: never the password hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com', format: 'email', maxLength: 254 }) email!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabledAt!: string | null;
  /** Null until the address is verified (and again after it changes). */
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  emailVerifiedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(user: User): UserResponse {
    return {
      id: user.id,
      email: user.email,
      role: user.role,
      disabledAt: user.disabledAt?.toISOString() ?? null,
      emailVerifiedAt: user.emailVerifiedAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
    };
  }
}

export class UserPage {
  @ApiProperty({ type: [UserResponse], maxItems: MAX_PAGE }) data!: UserResponse[];
  @ApiProperty() page!: PageInfo;
}
