import { Module } from '@nestjs/common';
import { ApiKeyModule } from '../security/api-key/api-key.module';
import { UsersModule } from '../users/users.module';
import { WeatherModule } from '../weather/weather.module';
import { FirstStartService } from './first-start.service';

@Module({
  imports: [UsersModule, ApiKeyModule, WeatherModule],
  providers: [FirstStartService],
})
export class BootstrapModule {}
