import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';

const PURGE_EVERY_MS = 10 * 60 * 1000;
const BATCH_ROWS = 1000;
/** Batches per pass at most: a backlog is worked off over passes, never in one long burst. */
const MAX_BATCHES = 20;

/**
 * Keeps a table of short-lived secrets (one-time tokens, MFA challenges) the size of its live
 * rows: every 10 minutes, rows `spent` (expired or used) are deleted in bounded batches. Any
 * instance may run it: the DELETE is idempotent, and a failed pass is retried on the next.
 * `table` and `spent` are constants of the subclass, never input.
 */
export abstract class RowPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  protected constructor(
    private readonly dataSource: DataSource,
    private readonly table: string,
    private readonly spent: string,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many rows went (0 when it failed, which it logs). */
  async purge(): Promise<number> {
    let total = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
        // TypeORM answers a DELETE with [rows, rowCount].
        const [, deleted] = await this.dataSource.query<[unknown[], number]>(
          `DELETE FROM ${this.table} WHERE ctid IN (
             SELECT ctid FROM ${this.table} WHERE ${this.spent} LIMIT $1
           )`,
          [BATCH_ROWS],
        );
        total += deleted;
        if (deleted < BATCH_ROWS) break;
      }
    } catch (error) {
      this.logger.warn(`${this.table}: spent rows not purged (${(error as Error).name})`);
    }
    return total;
  }
}
