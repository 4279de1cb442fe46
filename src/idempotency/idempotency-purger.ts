import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyStore } from './idempotency.store';

const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * Removes expired keys now and then, a bounded batch per pass, so the table stays the size of
 * one TTL's traffic. Any instance may run it: the DELETE is idempotent, and a failed pass is
 * retried on the next (an expired key is also taken over in place when it is reused).
 */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: IdempotencyStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<number> {
    try {
      return await this.store.purgeExpired(this.dataSource.manager);
    } catch (error) {
      this.logger.warn(`expired idempotency keys not purged: ${(error as Error).message}`);
      return 0;
    }
  }
}
