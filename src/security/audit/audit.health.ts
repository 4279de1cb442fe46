import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AuditBuffer } from './audit-buffer';
import { AuditSealer } from './audit-sealer';

/**
 * Readiness details of the audit pipeline: queued, dropped, quarantined and unsealed records
 * (and whether one is overdue), so a gap in
 * the log shows where operators look. Always up: the database check already says whether writes
 * can work, and a readiness flap would not bring lost records back.
 */
@Injectable()
export class AuditHealthIndicator {
  constructor(
    private readonly buffer: AuditBuffer,
    private readonly sealer: AuditSealer,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const stats = this.buffer.stats();
    const { unsealed, oldestUnsealedSeconds } = this.sealer.sealStats();
    const indicator = this.indicators.check(key);
    // sealOverdue: a record has waited past AUDIT_SEAL_MAX_DELAY_MS (the sealer is failing).
    return indicator.up({
      ...stats,
      unsealed,
      oldestUnsealedSeconds,
      sealOverdue: this.sealer.overdue(),
    });
  }
}
