import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../../redis/redis.constants';
import { COUNTER_STORAGE } from './counter-storage';
import { FixedWindowStorage } from './fixed-window.storage';
import { RedisCounterStorage } from './redis.storage';

/** Redis counters when REDIS_URL is set (shared by all instances), else in-process ones. */
@Module({
  providers: [
    {
      provide: COUNTER_STORAGE,
      inject: [REDIS],
      useFactory: (redis: Redis | null) =>
        redis ? new RedisCounterStorage(redis) : new FixedWindowStorage(),
    },
  ],
  exports: [COUNTER_STORAGE],
})
export class ThrottlingStorageModule {}
