import { Module } from '@nestjs/common';
import { TransactionModule } from '../database/transaction.module';
import { PasswordHasher } from './password-hasher';
import { UsersService } from './users.service';

/** User records and password hashing. The HTTP surface is in users-admin and security/jwt. */
@Module({
  imports: [TransactionModule],
  providers: [UsersService, PasswordHasher],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
