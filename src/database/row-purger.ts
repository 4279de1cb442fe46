import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';

const PURGE_EVERY_MS = 10 * 60 * 1000;
/** Rows per DELETE: short statements that hold few locks. */
export const PURGE_BATCH_ROWS = 1000;

/**
 * Keeps a table of short-lived rows (one-time tokens, MFA challenges, idempotency keys) the
 * size of its live rows: every 10 minutes, rows that are `spent` (expired or used) are deleted
 * batch after batch until none is left, at most `maxBatches` a pass, so one pass never runs
 * unbounded; what is left waits for the next, with a warning. Any instance may run it: the
 * DELETE is idempotent, and a failed pass is retried on the next. `table` and `spent` are
 * constants of the subclass, never input.
 */
export abstract class RowPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  protected constructor(
    private readonly dataSource: DataSource,
    private readonly table: string,
    private readonly spent: string,
    private readonly maxBatches = 20,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many rows went (what went before a failure, which it logs). */
  async purge(): Promise<number> {
    let total = 0;
    try {
      for (let batch = 0; batch < this.maxBatches; batch += 1) {
        // TypeORM answers a DELETE with [rows, rowCount].
        const [, deleted] = await this.dataSource.query<[unknown[], number]>(
          `DELETE FROM ${this.table} WHERE ctid IN (
             SELECT ctid FROM ${this.table} WHERE ${this.spent} LIMIT $1
           )`,
          [PURGE_BATCH_ROWS],
        );
        total += deleted;
        if (deleted < PURGE_BATCH_ROWS) return total;
      }
      this.logger.warn(
        `${this.table}: purged ${total} spent rows, the most one pass takes; the rest wait for the next`,
      );
    } catch (error) {
      this.logger.warn(`${this.table}: spent rows not purged (${(error as Error).name})`);
    }
    return total;
  }
}
