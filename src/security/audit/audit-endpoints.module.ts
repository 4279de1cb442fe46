import { Module } from '@nestjs/common';
import { AuditLogsController } from './audit-logs.controller';

/**
 * The admin routes that read and verify the log (/v1/audit-logs), for a host that wants them,
 * beside `AuditModule.forRoot(...)`. They carry the authorization layer's guard themselves, so
 * a host without our global guards refuses them (401/403) rather than opening them.
 */
@Module({ controllers: [AuditLogsController] })
export class AuditEndpointsModule {}
