import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditBuffer } from './audit-buffer';
import { AuditChainWriter } from './audit-chain.writer';
import { AuditDenialsListener } from './audit-denials.listener';
import { AuditInterceptor } from './audit.interceptor';
import { AuditLogsController } from './audit-logs.controller';
import { AuditRecorder } from './audit-recorder';
import { AuditVerifier } from './audit-verifier.service';

/**
 * The tamper-evident audit log: handler outcomes through the interceptor (in the handler's
 * transaction), guard and pipe rejections through the error path, a hash chain, and the admin
 * endpoints that read and verify it.
 */
@Module({
  controllers: [AuditLogsController],
  providers: [
    AuditChainWriter,
    AuditRecorder,
    AuditBuffer,
    AuditVerifier,
    AuditDenialsListener,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditBuffer, AuditVerifier],
})
export class AuditModule {}
