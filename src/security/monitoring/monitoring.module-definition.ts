import { ConfigurableModuleBuilder } from '@nestjs/common';
import { MONITORING_OPTIONS, MonitoringOptions } from './monitoring.options';

/**
 * `MonitoringModule.forRoot(options)` / `forRootAsync({ inject, useFactory })`, global so that
 * the host can wire its signal sources (audit records, the request middleware) from anywhere.
 */
export const { ConfigurableModuleClass: ConfigurableMonitoringModule } =
  new ConfigurableModuleBuilder<MonitoringOptions>({ optionsInjectionToken: MONITORING_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => ({ ...definition, global: true }))
    .build();
