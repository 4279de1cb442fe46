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
import { ANONYMOUS, AuditEvent } from './audit-event';
import { DatabaseLifecycle } from '../../database/database-lifecycle';
import { AuditChainWriter } from './audit-chain.writer';
import { AuditSealer } from './audit-sealer';
import { AuditRecordEvents } from './audit-record.events';
import { AuditGaps, DROPPED_ACTION, QUARANTINED_ACTION } from './audit-gaps';
import { isDataError, sqlStateOf } from './audit-write-errors';
import { AUDIT_OPTIONS, AuditOptions, auditSettings } from './audit.options';

export { DROPPED_ACTION, QUARANTINED_ACTION } from './audit-gaps';

/** Rejections that repeat in floods: one record per client, route and reason per flush window. */
const FOLDED_ACTIONS = new Set(['rate_limit.exceeded', 'request.invalid']);
const MAX_BACKOFF_MS = 30_000;

export interface AuditBufferStats {
  /** Records waiting to be written. */
  pending: number;
  /** The bound on `pending` (AUDIT_QUEUE_MAX_RECORDS). */
  maxPending: number;
  /** Records dropped because the queue was full, since this process started. */
  dropped: number;
  /** Dropped records not yet recorded in the chain (written with the next successful flush). */
  unrecordedDrops: number;
  /** Records the database refused (data errors), replaced by a quarantine record. */
  quarantined: number;
  /** Consecutive failed writes (transient errors); 0 when the last write worked. */
  failedAttempts: number;
}

/**
 * Denials, rate-limit hits and failed handlers change no state, so they need not share a
 * transaction with anything: they are queued (bounded) and written in chunks of at most
 * `flushAtRecords` (one transaction each, unsealed like every record: AuditSealer chains them),
 * and flushed, then sealed, on graceful shutdown.
 * A chunk that fails on a data error is split until the bad record is found and quarantined;
 * a transient error keeps the chunk at the head and retries with backoff. The pipeline never
 * stops on one bad record and never grows without bound.
 */

/** Room above AUDIT_QUEUE_MAX_RECORDS for priority records (see add()); still a fixed bound. */
export const PRIORITY_HEADROOM = 32;
@Injectable()
export class AuditBuffer
  implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(AuditBuffer.name);
  private queue: AuditEvent[] = [];
  private readonly folded = new Map<string, AuditEvent>();
  private readonly foldKeys = new WeakMap<AuditEvent, string>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly flushIntervalMs: number;
  private readonly flushAtRecords: number;
  private readonly maxQueuedRecords: number;
  private droppedLogged = 0;
  private failedAttempts = 0;
  private retryAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: AuditChainWriter,
    private readonly gaps: AuditGaps,
    private readonly events: AuditRecordEvents,
    private readonly sealer: AuditSealer,
    @Inject(AUDIT_OPTIONS) options: AuditOptions,
    // The full app's lifecycle drains in-flight requests, then runs this flush before the
    // database closes. A host without it: flushed from the shutdown hooks below.
    @Optional() private readonly lifecycle?: DatabaseLifecycle,
  ) {
    const { flushIntervalMs, flushAtRecords, maxQueuedRecords } = auditSettings(options);
    this.flushIntervalMs = flushIntervalMs;
    this.flushAtRecords = flushAtRecords;
    this.maxQueuedRecords = maxQueuedRecords;
    this.timer = setInterval(() => void this.tick(), flushIntervalMs);
    this.timer.unref();
    lifecycle?.beforeClose(() => this.finalWrite());
  }

  /**
   * Queues `event`, or drops and counts it when the queue is full. `priority`: a record that
   * must not be lost to a full queue (a security alert, rare: once per episode, among them the
   * one saying that records are being dropped) may use a small headroom above the bound.
   */
  add(event: AuditEvent, priority = false): void {
    const key = FOLDED_ACTIONS.has(event.action) ? foldKey(event) : undefined;
    const existing = key === undefined ? undefined : this.folded.get(key);
    if (existing) {
      existing.occurrences += event.occurrences;
      return;
    }
    const bound = priority ? this.maxQueuedRecords + PRIORITY_HEADROOM : this.maxQueuedRecords;
    if (this.queue.length >= bound) {
      this.drop();
      return;
    }
    if (key !== undefined) {
      this.folded.set(key, event);
      this.foldKeys.set(event, key);
    }
    this.queue.push(event);
    if (this.queue.length >= this.flushAtRecords && Date.now() >= this.retryAt) void this.flush();
  }

  stats(): AuditBufferStats {
    return {
      pending: this.queue.length,
      maxPending: this.maxQueuedRecords,
      dropped: this.gaps.dropped,
      unrecordedDrops: this.gaps.unrecordedDrops,
      quarantined: this.gaps.quarantined,
      failedAttempts: this.failedAttempts,
    };
  }

  /** Writes everything queued so far (now, whatever the backoff); calls run one after another. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  /** The timer: waits out the backoff after a failed write. */
  private tick(): Promise<void> {
    if (Date.now() < this.retryAt) return this.flushing;
    return this.flush();
  }

  private drop(): void {
    this.gaps.dropped += 1;
    this.gaps.unrecordedDrops += 1;
    this.events.lost('dropped');
    // One line for the first drop, then one per power of ten: counted, but not a log flood.
    if (this.gaps.dropped === 1 || this.gaps.dropped >= this.droppedLogged * 10) {
      this.droppedLogged = this.gaps.dropped;
      this.logger.error(
        { dropped: this.gaps.dropped, maxPending: this.maxQueuedRecords },
        'Audit queue full: records dropped',
      );
    }
  }

  private async writeQueued(): Promise<void> {
    try {
      if (this.gaps.unrecordedDrops > 0) await this.recordDrops();
      // Only what was queued when the flush began: under a flood, records arriving meanwhile
      // wait for the next window and keep folding, instead of each write ending their window.
      let due = this.queue.length;
      while (due > 0 && this.queue.length > 0) {
        const chunk = this.queue.slice(0, Math.min(this.flushAtRecords, due));
        due -= chunk.length;
        // Later repeats start a new record: this one's count is fixed once it is hashed.
        for (const event of chunk) this.unfold(event);
        await this.writeSplitting(chunk);
      }
      this.failedAttempts = 0;
      this.retryAt = 0;
    } catch (error) {
      // Transient: the unwritten records stay at the head; retried after a growing pause.
      this.failedAttempts += 1;
      const backoff = Math.min(MAX_BACKOFF_MS, this.flushIntervalMs * 2 ** this.failedAttempts);
      this.retryAt = Date.now() + backoff;
      this.logger.error(
        { err: error, pending: this.queue.length, retryInMs: backoff },
        'Could not write audit records; will retry',
      );
    }
  }

  /**
   * Writes `events` (the head of the queue, in order) and removes each from the queue once it
   * is written or quarantined. On a data error the chunk is halved until the bad record is
   * alone; any other error is thrown with the rest still queued.
   */
  private async writeSplitting(events: AuditEvent[]): Promise<void> {
    try {
      await this.dataSource.transaction((manager) => this.writer.append(manager, events));
      this.queue.splice(0, events.length);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (events.length === 1) {
        await this.quarantine(events[0], error);
        this.queue.splice(0, 1);
        return;
      }
      const half = Math.ceil(events.length / 2);
      await this.writeSplitting(events.slice(0, half));
      await this.writeSplitting(events.slice(half));
    }
  }

  /** Replaces a refused record by one that keeps only our own facts, none of the request's. */
  private async quarantine(event: AuditEvent, error: unknown): Promise<void> {
    this.gaps.quarantined += 1;
    this.events.lost('quarantined');
    const sqlState = sqlStateOf(error);
    this.logger.error(
      { action: event.action, httpStatus: event.httpStatus, sqlState },
      'Audit record refused by the database; quarantined without its values',
    );
    const standIn: AuditEvent = {
      ...systemEvent(QUARANTINED_ACTION, event.occurredAt),
      httpStatus: event.httpStatus >= 100 && event.httpStatus <= 599 ? event.httpStatus : 500,
      details: { action: event.action, sqlState },
    };
    try {
      await this.dataSource.transaction((manager) => this.writer.append(manager, [standIn]));
    } catch (standInError) {
      // Only our own constants are in it; a data error here is counted and logged above.
      if (!isDataError(standInError)) throw standInError;
    }
  }

  private async recordDrops(): Promise<void> {
    const count = this.gaps.unrecordedDrops;
    const marker: AuditEvent = {
      ...systemEvent(DROPPED_ACTION, new Date()),
      details: { count, maxPending: this.maxQueuedRecords },
      occurrences: count,
    };
    await this.dataSource.transaction((manager) => this.writer.append(manager, [marker]));
    this.gaps.unrecordedDrops -= count;
  }

  private unfold(event: AuditEvent): void {
    const key = this.foldKeys.get(event);
    if (key !== undefined && this.folded.get(key) === event) this.folded.delete(key);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Shutdown: the last queued records, then the last seal, so nothing is left unsealed. */
  private async finalWrite(): Promise<void> {
    await this.flush();
    await this.sealer.finalSeal();
  }

  /** Standalone: before any module's onApplicationShutdown, so the host's DataSource is open. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.lifecycle) await this.finalWrite();
  }

  /** Standalone: records of requests that finished while the HTTP server was closing. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.lifecycle) await this.finalWrite();
  }
}

function foldKey(event: AuditEvent): string {
  const who = `${event.actor.type}:${event.actor.id ?? event.clientIp ?? '-'}`;
  return `${who}|${event.route ?? '-'}|${event.action}|${event.reason ?? ''}`;
}

/** A record the audit layer writes about itself. */
function systemEvent(action: string, occurredAt: Date): AuditEvent {
  return {
    occurredAt,
    requestId: null,
    actor: ANONYMOUS,
    action,
    resourceType: null,
    resourceId: null,
    outcome: 'error',
    httpStatus: 500,
    reason: null,
    clientIp: null,
    userAgent: null,
    route: null,
    details: null,
    occurrences: 1,
  };
}
