import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MailQueue } from './mail-queue';

/**
 * Readiness details of the mail queue: which transport, pending, sent, failed and dropped.
 * Always up, like the audit queue's: a relay outage must not take the API out of rotation, and
 * the counters show that mail is being lost.
 */
@Injectable()
export class MailHealthIndicator {
  constructor(
    private readonly queue: MailQueue,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    return this.indicators.check(key).up({ ...this.queue.stats() });
  }
}
