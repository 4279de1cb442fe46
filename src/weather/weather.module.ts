import { Module } from '@nestjs/common';
import { DailySummaryController } from './daily/daily-summary.controller';
import { DailySummaryService } from './daily/daily-summary.service';
import { ObservationsController } from './observations/observations.controller';
import { ObservationsService } from './observations/observations.service';
import { DemoSeedService } from './seed/demo-seed.service';
import { StationsController } from './stations/stations.controller';
import { StationKeyBinding } from './stations/station-key-binding';
import { StationsService } from './stations/stations.service';
import { TimezonesModule } from './timezones/timezones.module';

@Module({
  imports: [TimezonesModule],
  controllers: [StationsController, ObservationsController, DailySummaryController],
  providers: [
    StationsService,
    ObservationsService,
    DailySummaryService,
    DemoSeedService,
    StationKeyBinding,
  ],
  exports: [StationsService, ObservationsService, DemoSeedService, StationKeyBinding],
})
export class WeatherModule {}
