import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MONITORING_OPTIONS, MonitoringOptions } from './monitoring.options';
import { SecurityMetrics } from './security-metrics';

/** What node-postgres' Pool tells about itself (TypeORM's postgres driver keeps it as `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The dependencies' health as the app sees it: the database pool's connections (read at scrape
 * time, not per request) and the Redis client's errors. A host without a DataSource or Redis
 * simply exports neither.
 */
@Injectable()
export class InfrastructureMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: SecurityMetrics,
    @Inject(MONITORING_OPTIONS) private readonly options: MonitoringOptions,
    @Optional() private readonly dataSource?: DataSource,
  ) {}

  onModuleInit(): void {
    this.options.redis?.on('error', () => this.metrics.redisErrors.inc());
    const dataSource = this.dataSource;
    if (!dataSource) return;
    const pool = (): PoolCounts | undefined => {
      const master = (dataSource.driver as { master?: Partial<PoolCounts> }).master;
      return typeof master?.totalCount === 'number' ? (master as PoolCounts) : undefined;
    };
    this.metrics.watchDbPool({
      total: () => pool()?.totalCount,
      idle: () => pool()?.idleCount,
      waiting: () => pool()?.waitingCount,
    });
  }
}
