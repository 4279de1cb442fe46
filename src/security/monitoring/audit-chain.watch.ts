import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AlertDetector } from './alert-detector';
import { MONITORING_OPTIONS, MonitoringOptions, alertThresholds } from './monitoring.options';
import { SecurityMetrics } from './security-metrics';

/** What the audit layer's verifier answers for one bounded range (AuditVerifier.verify). */
export interface ChainRangeCheck {
  valid: boolean;
  checked: number;
  firstInvalidId: string | null;
  nextFrom: string | null;
}

export type VerifyChainFrom = (from: string) => Promise<ChainRangeCheck>;

/** Records verified per run at most: the rest waits for the next run. */
const MAX_RUN_RANGES = 10;

/**
 * Verifies the audit chain every `auditVerifyIntervalSeconds`, from where the last run ended (so
 * each record is hashed about once), and reports how long ago the chain was last verified up to
 * its head. A broken link raises `audit_chain_broken` and is re-checked on every run.
 */
@Injectable()
export class AuditChainWatch implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditChainWatch.name);
  private timer?: NodeJS.Timeout;
  private from = '1';
  private verifiedAt?: number;
  private running = false;

  constructor(
    @Inject(MONITORING_OPTIONS) private readonly options: MonitoringOptions,
    private readonly metrics: SecurityMetrics,
    private readonly detector: AlertDetector,
  ) {}

  /** Starts the periodic check with the host's verifier. */
  watch(verify: VerifyChainFrom): void {
    this.metrics.watchAuditVerifiedAt(() => this.verifiedAt);
    const intervalMs = alertThresholds(this.options).auditVerifyIntervalSeconds * 1000;
    this.timer = setInterval(() => void this.runOnce(verify), intervalMs);
    this.timer.unref();
  }

  /** One run (the timer's, or a test's): verifies ranges until the head, or a bounded number. */
  async runOnce(verify: VerifyChainFrom): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let range = 0; range < MAX_RUN_RANGES; range += 1) {
        const result = await verify(this.from);
        if (!result.valid) {
          this.metrics.auditVerificationFailures.inc();
          this.detector.auditChainBroken(result.firstInvalidId ?? this.from);
          return;
        }
        if (result.nextFrom === null) {
          // Reached the sealed head; positions are consecutive, so the next run starts after it.
          this.from = (BigInt(this.from) + BigInt(result.checked)).toString();
          this.verifiedAt = Date.now();
          return;
        }
        this.from = result.nextFrom;
      }
    } catch (error) {
      this.logger.error({ err: error }, 'Could not verify the audit chain');
    } finally {
      this.running = false;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
