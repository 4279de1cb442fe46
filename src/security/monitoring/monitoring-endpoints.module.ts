import { Module } from '@nestjs/common';
import { SecurityAlertsController } from './security-alerts.controller';

/**
 * The admin route that lists the alerts (/v1/security/alerts), for a host that keeps them in the
 * audit log (this app). It carries the authorization layer's guard itself, so a host without our
 * global guards refuses it (401/403) rather than opening it.
 */
@Module({ controllers: [SecurityAlertsController] })
export class MonitoringEndpointsModule {}
