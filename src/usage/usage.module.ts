import { Module } from '@nestjs/common';
import { UsageController } from './usage.controller';
import { UsageInterceptor } from './usage.interceptor';
import { UsageRecorder } from './usage.recorder';
import { UsageService } from './usage.service';

/** Usage analytics: which endpoints and which callers carry the traffic. */
@Module({
  // ApiKeysService comes from the global API-key layer.
  controllers: [UsageController],
  // The interceptor is registered by the host's request pipeline (src/request-pipeline.ts).
  providers: [UsageRecorder, UsageService, UsageInterceptor],
  exports: [UsageRecorder, UsageInterceptor],
})
export class UsageModule {}
