import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AuditBuffer } from './audit-buffer';

/**
 * Readiness details of the audit pipeline: queued, dropped and quarantined records, so a gap in
 * the log shows where operators look. Always up: the database check already says whether writes
 * can work, and a readiness flap would not bring lost records back.
 */
@Injectable()
export class AuditHealthIndicator {
  constructor(
    private readonly buffer: AuditBuffer,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const stats = this.buffer.stats();
    const indicator = this.indicators.check(key);
    return indicator.up({ ...stats });
  }
}
