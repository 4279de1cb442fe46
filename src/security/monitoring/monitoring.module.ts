import { Module } from '@nestjs/common';
import { ErrorResponseEventsModule } from '../../common/problem-details/error-response-events.module';
import { optionsCheck } from '../../common/options/options-check.provider';
import { AlertDetector } from './alert-detector';
import { AuditChainWatch } from './audit-chain.watch';
import { HttpMetrics } from './http-metrics';
import { InfrastructureMetrics } from './infrastructure-metrics';
import { MetricsServer } from './metrics.server';
import { ConfigurableMonitoringModule } from './monitoring.module-definition';
import { MONITORING_OPTIONS, validateMonitoringOptions } from './monitoring.options';
import { SecurityMetrics } from './security-metrics';
import { SecuritySignals } from './security-signals';

/**
 * Security monitoring: Prometheus metrics (requests, dependencies, the security signals) on a
 * listener of their own. It listens to what the other layers announce (error responses here;
 * audit records through the host, which hands them to SecuritySignals) and imports none of them.
 */
@Module({
  imports: [ErrorResponseEventsModule],
  providers: [
    optionsCheck(MONITORING_OPTIONS, validateMonitoringOptions), // a bad one stops the start
    SecurityMetrics,
    AlertDetector,
    AuditChainWatch,
    HttpMetrics,
    SecuritySignals,
    InfrastructureMetrics,
    MetricsServer,
  ],
  exports: [
    SecurityMetrics,
    AlertDetector,
    AuditChainWatch,
    HttpMetrics,
    SecuritySignals,
    MetricsServer,
  ],
})
export class MonitoringModule extends ConfigurableMonitoringModule {}
