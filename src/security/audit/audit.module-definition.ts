import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AUDIT_OPTIONS, AuditOptions } from './audit.options';

/**
 * `AuditModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that the
 * host's modules can inject AuditBuffer, AuditVerifier and TransactionContext.
 */
export const {
  ConfigurableModuleClass: ConfigurableAuditModule,
  OPTIONS_TYPE: AUDIT_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuditOptions>({ optionsInjectionToken: AUDIT_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
