import type { Provider } from '@nestjs/common';
import { AuditBuffer } from './security/audit/audit-buffer';
import { AuditRecordEvents } from './security/audit/audit-record.events';
import { SecurityMetrics } from './security/monitoring/security-metrics';
import { SecuritySignals } from './security/monitoring/security-signals';

/**
 * The host joins two layers that do not know each other: each audit record written (and each
 * one lost) is a signal for monitoring, and the audit queue's length a gauge read at scrape time.
 */
export const MONITORING_WIRING: Provider = {
  provide: Symbol('MONITORING_WIRING'),
  inject: [AuditRecordEvents, AuditBuffer, SecuritySignals, SecurityMetrics],
  useFactory: (
    audit: AuditRecordEvents,
    buffer: AuditBuffer,
    signals: SecuritySignals,
    metrics: SecurityMetrics,
  ): true => {
    audit.onRecord((record) => signals.auditRecord(record));
    audit.onLoss((loss) => signals.auditLoss(loss));
    metrics.watchAuditPending(() => buffer.stats().pending);
    return true;
  },
};
