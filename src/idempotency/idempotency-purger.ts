import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyStore } from './idempotency.store';

const PURGE_EVERY_MS = 10 * 60 * 1000;
/** Rows per DELETE: short statements that hold few locks. */
export const PURGE_BATCH = 1000;
/**
 * Batches per pass: a pass removes up to 50,000 keys (~80 new keys a second sustained) and
 * stops there, so one pass never runs unbounded; what is left waits for the next, with a warning.
 */
export const PURGE_MAX_BATCHES = 50;

/**
 * Removes expired keys now and then, batch after batch until none is left (at most
 * PURGE_MAX_BATCHES a pass), so the table stays the size of one TTL's traffic. One batch a pass
 * would cap the purge at 1,000 keys per 10 minutes, and a busier fleet's table would only grow.
 * Any instance may run it: the DELETE is idempotent, and a failed pass is retried on the next
 * (an expired key is also taken over in place when it is reused).
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

  /** One pass; returns how many expired keys it removed. */
  async purge(): Promise<number> {
    let removed = 0;
    try {
      for (let batches = 0; batches < PURGE_MAX_BATCHES; batches += 1) {
        const deleted = await this.store.purgeExpired(this.dataSource.manager, PURGE_BATCH);
        removed += deleted;
        if (deleted < PURGE_BATCH) return removed;
      }
      this.logger.warn(
        `purged ${removed} expired idempotency keys, the most one pass takes; the rest wait for the next`,
      );
    } catch (error) {
      this.logger.warn(`expired idempotency keys not purged: ${(error as Error).message}`);
    }
    return removed;
  }
}
