import { Injectable, Logger } from '@nestjs/common';
import type { AuditEvent } from './audit-event';

export type AuditRecordListener = (record: Readonly<AuditEvent>) => void;

/** What the pipeline lost: records dropped (queue full) or quarantined (refused by the database). */
export type AuditLossListener = (loss: 'dropped' | 'quarantined') => void;

/**
 * The audit pipeline announces each record it writes to the chain, and each one it loses, so
 * that monitoring can count and detect without the audit layer knowing about it. Listeners run
 * synchronously inside the write: they must be cheap and must not throw (a throw is logged).
 */
@Injectable()
export class AuditRecordEvents {
  private readonly logger = new Logger(AuditRecordEvents.name);
  private readonly recordListeners: AuditRecordListener[] = [];
  private readonly lossListeners: AuditLossListener[] = [];

  onRecord(listener: AuditRecordListener): void {
    this.recordListeners.push(listener);
  }

  onLoss(listener: AuditLossListener): void {
    this.lossListeners.push(listener);
  }

  written(records: readonly AuditEvent[]): void {
    for (const listener of this.recordListeners) {
      for (const record of records) this.safely(() => listener(record));
    }
  }

  lost(loss: 'dropped' | 'quarantined'): void {
    for (const listener of this.lossListeners) this.safely(() => listener(loss));
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.logger.error({ err: error }, 'Audit record listener failed');
    }
  }
}
