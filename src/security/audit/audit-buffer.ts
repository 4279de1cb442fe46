import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditEvent } from './audit-event';
import { DatabaseLifecycle } from '../../database/database-lifecycle';
import { AuditChainWriter } from './audit-chain.writer';

const FLUSH_INTERVAL_MS = 1000;
const MAX_QUEUE = 200;

/**
 * Denials and rate-limit hits change no state, so they need not share a transaction with
 * anything: they are queued and written in batches (one transaction, one chain lock), and
 * flushed on graceful shutdown. Repeated rate-limit hits of one caller on one route within a
 * batch fold into one record with `occurrences`, so a flood cannot flood the log.
 */
@Injectable()
export class AuditBuffer implements OnModuleDestroy {
  private readonly logger = new Logger(AuditBuffer.name);
  private queue: AuditEvent[] = [];
  private readonly folded = new Map<string, AuditEvent>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: AuditChainWriter,
    lifecycle: DatabaseLifecycle,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
    lifecycle.beforeClose(() => this.flush());
  }

  add(event: AuditEvent): void {
    if (event.outcome === 'throttled') {
      const limit = typeof event.details?.limit === 'string' ? event.details.limit : '';
      const key = `${event.actor.type}:${event.actor.id ?? event.clientIp}:${event.route}:${event.action}:${limit}`;
      const existing = this.folded.get(key);
      if (existing) {
        existing.occurrences += event.occurrences;
        return;
      }
      this.folded.set(key, event);
    }
    this.queue.push(event);
    if (this.queue.length >= MAX_QUEUE) void this.flush();
  }

  /** Writes everything queued so far; concurrent calls run one after another. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  private async writeBatch(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.folded.clear();
    try {
      await this.dataSource.transaction((manager) => this.writer.append(manager, batch));
    } catch (error) {
      // Keep the records for the next attempt rather than lose them.
      this.queue = [...batch, ...this.queue];
      this.logger.error(
        { err: error, pending: this.queue.length },
        'Could not write audit records',
      );
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
