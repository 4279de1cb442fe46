import type { Provider } from '@nestjs/common';
import { PrincipalCache } from './common/principal-cache/principal-cache';
import { AuditBuffer } from './security/audit/audit-buffer';
import { AuditRecordEvents } from './security/audit/audit-record.events';
import { AuditSealer } from './security/audit/audit-sealer';
import { AuditVerifier } from './security/audit/audit-verifier.service';
import { AlertDetector } from './security/monitoring/alert-detector';
import { AuditChainWatch } from './security/monitoring/audit-chain.watch';
import { alertAuditEvent } from './security/monitoring/security-alert';
import { SecurityMetrics } from './security/monitoring/security-metrics';
import { SecuritySignals } from './security/monitoring/security-signals';

/**
 * The host joins two layers that do not know each other: each audit record written (and each
 * one lost) is a signal for monitoring, the audit queue's length and the unsealed records gauges read at scrape time,
 * each alert an audit record, and the audit verifier what the periodic chain check runs. The
 * principal cache's counters are read at scrape time.
 */
export const MONITORING_WIRING: Provider = {
  provide: Symbol('MONITORING_WIRING'),
  inject: [
    AuditRecordEvents,
    AuditBuffer,
    AuditSealer,
    AuditVerifier,
    SecuritySignals,
    SecurityMetrics,
    AlertDetector,
    AuditChainWatch,
    PrincipalCache,
  ],
  useFactory: (
    audit: AuditRecordEvents,
    buffer: AuditBuffer,
    sealer: AuditSealer,
    verifier: AuditVerifier,
    signals: SecuritySignals,
    metrics: SecurityMetrics,
    detector: AlertDetector,
    chain: AuditChainWatch,
    principalCache: PrincipalCache,
  ): true => {
    audit.onRecord((record) => signals.auditRecord(record));
    audit.onLoss((loss) => signals.auditLoss(loss));
    metrics.watchAuditPending(() => buffer.stats().pending);
    metrics.watchAuditUnsealed(() => sealer.sealStats());
    metrics.watchPrincipalCache(() => principalCache.stats());
    // Each alert is an audit record of its own (security.alert.<type>), listed by
    // GET /v1/security/alerts; the chain watch verifies what was written since its last run.
    // An alert may use the queue's small headroom: the alert that records are being dropped
    // arrives exactly when the queue is full.
    detector.onAlert((alert) => buffer.add(alertAuditEvent(alert), true));
    chain.watch((from) => verifier.verify({ from }));
    return true;
  },
};
