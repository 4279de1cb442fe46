import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { UsageController } from './usage.controller';
import { UsageInterceptor } from './usage.interceptor';
import { UsageRecorder } from './usage.recorder';
import { UsageService } from './usage.service';

/** Usage analytics: which endpoints and which callers carry the traffic. */
@Module({
  // ApiKeysService comes from the global API-key layer.
  controllers: [UsageController],
  providers: [
    UsageRecorder,
    UsageService,
    { provide: APP_INTERCEPTOR, useClass: UsageInterceptor },
  ],
  exports: [UsageRecorder],
})
export class UsageModule {}
