import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AuditLogsController } from './audit-logs.controller';

/** Settings of the audit layer (see README "Settings"). Every field has a default. */
export interface AuditOptions {
  /** How often queued records (denials, rate-limit hits, failed handlers) are written, in ms. */
  flushIntervalMs?: number;
  /** Queued records that trigger a write before the interval is up. */
  flushAtRecords?: number;
  /** Queued records kept at most; past it new records are dropped, counted and reported. */
  maxQueuedRecords?: number;
}

export const AUDIT_DEFAULTS: Required<AuditOptions> = {
  flushIntervalMs: 1000,
  flushAtRecords: 200,
  maxQueuedRecords: 10_000,
};

/**
 * `AuditModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that the
 * host's modules can inject AuditBuffer, AuditVerifier and TransactionContext. `endpoints: true`
 * mounts the admin read/verify controller (default: not mounted).
 */
export const {
  ConfigurableModuleClass: ConfigurableAuditModule,
  MODULE_OPTIONS_TOKEN: AUDIT_OPTIONS,
  OPTIONS_TYPE: AUDIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUDIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuditOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ endpoints: false }, (definition, extras) => ({
    ...definition,
    global: true,
    controllers: extras.endpoints ? [AuditLogsController] : [],
  }))
  .build();
