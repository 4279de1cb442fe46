import { DynamicModule, Module } from '@nestjs/common';
import { ErrorResponseEventsModule } from '../../common/problem-details/error-response-events.module';
import { TransactionModule } from '../../database/transaction.module';
import { AuditBuffer } from './audit-buffer';
import { AuditChainWriter } from './audit-chain.writer';
import { AuditGaps } from './audit-gaps';
import { AuditRecordEvents } from './audit-record.events';
import { AuditSealer } from './audit-sealer';
import { AuditDenialsListener } from './audit-denials.listener';
import { AuditInterceptor } from './audit.interceptor';
import { AuditEventBuilder } from './audit-event.builder';
import { AuditVerifier } from './audit-verifier.service';
import { AUDIT_OPTIONS_TYPE, ConfigurableAuditModule } from './audit.module-definition';
import { AUDIT_OPTIONS, validateAuditOptions } from './audit.options';
import { optionsCheck } from '../../common/options/options-check.provider';

/**
 * The tamper-evident audit log: @Audited handler outcomes through the interceptor (in the
 * handler's transaction), guard and pipe rejections from the error-response channel, a hash
 * chain sealed in batches by one sealer at a time (AuditEndpointsModule adds the admin routes that read and verify it). Needs from
 * the host a global TypeORM DataSource with the project's migrations applied.
 */
@Module({
  imports: [TransactionModule, ErrorResponseEventsModule],
  providers: [
    optionsCheck(AUDIT_OPTIONS, validateAuditOptions), // a bad one stops the start
    AuditSealer,
    AuditChainWriter,
    AuditRecordEvents,
    AuditGaps,
    AuditEventBuilder,
    AuditBuffer,
    AuditVerifier,
    AuditDenialsListener,
    AuditInterceptor, // the host registers it: { provide: APP_INTERCEPTOR, useExisting: AuditInterceptor }
  ],
  // TransactionContext: the host's services write through it to join the audited transaction.
  // AuditRecordEvents: each record written and each one lost, for monitoring to count.
  // AuditSealer: its unsealed count and age, for readiness and metrics.
  exports: [
    AuditBuffer,
    AuditSealer,
    AuditVerifier,
    AuditInterceptor,
    AuditRecordEvents,
    TransactionModule,
  ],
})
export class AuditModule extends ConfigurableAuditModule {
  /** Every setting has a default, so `AuditModule.forRoot()` is enough. */
  static forRoot(options: typeof AUDIT_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
