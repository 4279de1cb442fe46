import { OptionProblems } from '../../common/options/option-problems';

/** Settings of the audit layer (see README "Settings"). Every field has a default. */
export interface AuditOptions {
  /** How often queued records (denials, rate-limit hits, failed handlers) are written, in ms. */
  flushIntervalMs?: number;
  /** Queued records that trigger a write before the interval is up. */
  flushAtRecords?: number;
  /** Queued records kept at most; past it new records are dropped, counted and reported. */
  maxQueuedRecords?: number;
  /** How often each instance runs the sealer (one of them seals, the others skip), in ms. */
  sealIntervalMs?: number;
  /** Unsealed rows chained per sealer transaction at most. */
  sealBatchRecords?: number;
  /**
   * How long a committed record may stay unsealed under normal operation, in ms: readiness and
   * metrics report rows older than this as overdue (the alert rule fires on it).
   */
  sealMaxDelayMs?: number;
}

export const AUDIT_DEFAULTS: Required<AuditOptions> = {
  flushIntervalMs: 1000,
  flushAtRecords: 200,
  maxQueuedRecords: 10_000,
  sealIntervalMs: 200,
  sealBatchRecords: 500,
  sealMaxDelayMs: 5000,
};

/** Injection token of the options. */
export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');

/** The options with their defaults filled in. */
export function auditSettings(options: AuditOptions): Required<AuditOptions> {
  return { ...AUDIT_DEFAULTS, ...stripUndefined(options) };
}

export function validateAuditOptions(options: AuditOptions): void {
  const settings = auditSettings(options);
  const check = new OptionProblems('AuditModule');
  check.positiveInteger('flushIntervalMs', settings.flushIntervalMs);
  check.positiveInteger('flushAtRecords', settings.flushAtRecords);
  check.positiveInteger('maxQueuedRecords', settings.maxQueuedRecords);
  check.positiveInteger('sealIntervalMs', settings.sealIntervalMs);
  check.positiveInteger('sealBatchRecords', settings.sealBatchRecords);
  check.positiveInteger('sealMaxDelayMs', settings.sealMaxDelayMs);
  // A bound the sealer's own pace cannot keep is no bound: a few intervals at least.
  if (settings.sealMaxDelayMs < 2 * settings.sealIntervalMs) {
    check.add(
      'sealMaxDelayMs',
      `must be at least twice sealIntervalMs (got ${settings.sealMaxDelayMs})`,
    );
  }
  check.throwIfAny();
}

function stripUndefined(options: AuditOptions): AuditOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
