import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { REDIS } from './redis.constants';

/** Readiness includes Redis when it is configured: without it, shared limits cannot be kept. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async ping(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await this.redis?.ping();
      return indicator.up();
    } catch {
      return indicator.down({ message: 'Redis did not answer' });
    }
  }
}
