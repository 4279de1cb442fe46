import { Module } from '@nestjs/common';
import { KnownTimezones } from './known-timezones.service';

/** The database's time zone names, loaded at start (see KnownTimezones). */
@Module({ providers: [KnownTimezones], exports: [KnownTimezones] })
export class TimezonesModule {}
