import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { ProblemDetailsModule } from './common/problem-details/problem-details.module';
import { ValidationModule } from './security/validation/validation.module';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { ApiKeyModule } from './security/api-key/api-key.module';
import { AuthorizationModule } from './security/authorization/authorization.module';
import { JwtAuthModule } from './security/jwt/jwt-auth.module';
import { UsersAdminModule } from './users/users-admin.module';
import { WeatherModule } from './weather/weather.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        DatabaseModule,
        ProblemDetailsModule,
        ValidationModule,
        HealthModule,
        AuthorizationModule,
        JwtAuthModule,
        ApiKeyModule,
        UsersAdminModule,
        WeatherModule,
        BootstrapModule,
      ],
    };
  }
}
