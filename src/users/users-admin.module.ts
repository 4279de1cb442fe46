import { Module } from '@nestjs/common';
import { ApiKeyModule } from '../security/api-key/api-key.module';
import { JwtAuthModule } from '../security/jwt/jwt-auth.module';
import { UsersAdminController } from './users-admin.controller';
import { UsersModule } from './users.module';

@Module({
  imports: [UsersModule, JwtAuthModule, ApiKeyModule],
  controllers: [UsersAdminController],
})
export class UsersAdminModule {}
