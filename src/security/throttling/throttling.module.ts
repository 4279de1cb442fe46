import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ClientIpThrottlerGuard } from './client-ip-throttler.guard';
import { COUNTER_STORAGE, CounterStorage } from './counter-storage';
import { FixedWindowStorage } from './fixed-window.storage';
import { IdentityThrottlerGuard } from './identity-throttler.guard';
import { LoginAttemptsLimiter } from './login-attempts.limiter';
import { PreRoutingIpLimiter } from './pre-routing-ip.limiter';
import { RedisCounterStorage } from './redis.storage';
import { optionsCheck } from '../../common/options/options-check.provider';
import { ConfigurableThrottlingModule } from './throttling.module-definition';
import {
  THROTTLING_OPTIONS,
  ThrottlingOptions,
  validateThrottlingOptions,
} from './throttling.options';
import { buildThrottlerOptions } from './throttlers';

/**
 * Rate limiting (API4:2023, API6:2023): per IP before authentication, per identity after it,
 * stricter limits on sensitive flows, and failed logins per account. The guards are exported,
 * not registered: the host places them around its authentication guards (app.module.ts).
 * Invalid limits stop the start.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [THROTTLING_OPTIONS, COUNTER_STORAGE],
      useFactory: (options: ThrottlingOptions, storage: CounterStorage) =>
        buildThrottlerOptions(options.limits, storage),
    }),
  ],
  providers: [
    optionsCheck(THROTTLING_OPTIONS, validateThrottlingOptions), // a bad limit stops the start
    {
      // Redis counters when a client is given (shared by all instances), else in-process ones.
      provide: COUNTER_STORAGE,
      inject: [THROTTLING_OPTIONS],
      useFactory: ({ redis }: ThrottlingOptions): CounterStorage =>
        redis ? new RedisCounterStorage(redis) : new FixedWindowStorage(),
    },
    ClientIpThrottlerGuard,
    IdentityThrottlerGuard,
    LoginAttemptsLimiter,
    PreRoutingIpLimiter,
  ],
  exports: [
    PreRoutingIpLimiter,
    THROTTLING_OPTIONS,
    COUNTER_STORAGE,
    ClientIpThrottlerGuard,
    IdentityThrottlerGuard,
    LoginAttemptsLimiter,
    ThrottlerModule,
  ],
})
export class ThrottlingModule extends ConfigurableThrottlingModule {}
