import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { WeatherModule } from '../weather/weather.module';
import { FirstStartService } from './first-start.service';

@Module({
  // ApiKeysService comes from the global API-key layer.
  imports: [UsersModule, WeatherModule],
  providers: [FirstStartService],
})
export class BootstrapModule {}
