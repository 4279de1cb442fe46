import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditEvent } from './audit-event';
import { OptionProblems } from '../../common/options/option-problems';
import { DatabaseLifecycle } from '../../database/database-lifecycle';
import { AuditChainWriter } from './audit-chain.writer';
import { AUDIT_DEFAULTS, AUDIT_OPTIONS, AuditOptions } from './audit.module-definition';

/**
 * Denials, rate-limit hits and failed handlers change no state, so they need not share a
 * transaction with anything: they are queued and written in batches (one transaction, one chain
 * lock), and flushed on graceful shutdown. Repeated rate-limit hits of one caller on one route
 * within a batch fold into one record with `occurrences`, so a flood cannot flood the log.
 */
@Injectable()
export class AuditBuffer
  implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(AuditBuffer.name);
  private queue: AuditEvent[] = [];
  private readonly folded = new Map<string, AuditEvent>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly flushAtRecords: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: AuditChainWriter,
    @Inject(AUDIT_OPTIONS) options: AuditOptions,
    // The full app's lifecycle drains in-flight requests, then runs this flush before the
    // database closes. A host without it: flushed from the shutdown hooks below.
    @Optional() private readonly lifecycle?: DatabaseLifecycle,
  ) {
    const flushIntervalMs = options.flushIntervalMs ?? AUDIT_DEFAULTS.flushIntervalMs;
    const flushAtRecords = options.flushAtRecords ?? AUDIT_DEFAULTS.flushAtRecords;
    const check = new OptionProblems('AuditModule');
    check.positiveInteger('flushIntervalMs', flushIntervalMs);
    check.positiveInteger('flushAtRecords', flushAtRecords);
    check.throwIfAny();
    this.flushAtRecords = flushAtRecords;
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
    lifecycle?.beforeClose(() => this.flush());
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
    if (this.queue.length >= this.flushAtRecords) void this.flush();
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

  /** Standalone: before any module's onApplicationShutdown, so the host's DataSource is open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.lifecycle) await this.flush();
  }

  /** Standalone: records of requests that finished while the HTTP server was closing. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.lifecycle) await this.flush();
  }
}
