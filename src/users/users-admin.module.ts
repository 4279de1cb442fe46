import { Module } from '@nestjs/common';
import { UsersAdminController } from './users-admin.controller';
import { UsersModule } from './users.module';

@Module({
  // TokenService and ApiKeysService come from the global JWT and API-key layers.
  imports: [UsersModule],
  controllers: [UsersAdminController],
})
export class UsersAdminModule {}
