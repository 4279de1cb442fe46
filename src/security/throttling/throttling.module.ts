import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ClientIpThrottlerGuard } from './client-ip-throttler.guard';
import { COUNTER_STORAGE, CounterStorage } from './counter-storage';
import { IdentityThrottlerGuard } from './identity-throttler.guard';
import { LoginAttemptsLimiter } from './login-attempts.limiter';
import { ThrottlingStorageModule } from './throttling-storage.module';
import { buildThrottlerOptions } from './throttling.options';

/**
 * Rate limiting (API4:2023, API6:2023): per IP before authentication, per identity after it,
 * stricter limits on sensitive flows, and failed logins per account. The guards are exported;
 * the app registers them around the auth guards in app.module.ts.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [ThrottlingStorageModule],
      inject: [APP_CONFIG, COUNTER_STORAGE],
      useFactory: (config: AppConfig, storage: CounterStorage) =>
        buildThrottlerOptions(config.rateLimits, storage),
    }),
    ThrottlingStorageModule,
  ],
  providers: [ClientIpThrottlerGuard, IdentityThrottlerGuard, LoginAttemptsLimiter],
  exports: [ClientIpThrottlerGuard, IdentityThrottlerGuard, LoginAttemptsLimiter, ThrottlerModule],
})
export class ThrottlingModule {}
