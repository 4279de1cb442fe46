import { Global, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { GracefulShutdown } from '../common/http/graceful-shutdown';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { openDataSource } from './database-connection';
import { DatabaseLifecycle } from './database-lifecycle';
import { PrincipalCache } from '../common/principal-cache/principal-cache';
import { AuthChangeFeed } from './auth-changes/auth-change-feed';
import { TransactionModule } from './transaction.module';

/**
 * Provides the TypeORM DataSource. We open it ourselves instead of through
 * TypeOrmModule.forRoot so the embedded server's life is tied to it and a dead database fails
 * fast (TypeOrmModule retries for a long time by default).
 */
@Global()
@Module({
  imports: [TransactionModule],
  providers: [
    {
      provide: AuthChangeFeed,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new AuthChangeFeed(new PrincipalCache(config.authCache)),
    },
    {
      provide: PrincipalCache,
      inject: [AuthChangeFeed],
      useFactory: (f: AuthChangeFeed) => f.cache,
    },
    {
      provide: DataSource,
      inject: [APP_CONFIG, AuthChangeFeed],
      useFactory: async (config: AppConfig, feed: AuthChangeFeed) => {
        const cached = feed.cache.enabled;
        const dataSource = await openDataSource(
          config.database,
          cached ? feed.onPoolConnect : undefined,
        );
        feed.start(config.database.url, config.database.connectTimeoutMs);
        return dataSource;
      },
    },
    DatabaseLifecycle,
  ],
  exports: [DataSource, TransactionModule, DatabaseLifecycle, PrincipalCache, AuthChangeFeed],
})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly lifecycle: DatabaseLifecycle,
    private readonly authChanges: AuthChangeFeed,
    @Optional() private readonly shutdown?: GracefulShutdown,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.lifecycle.runBeforeClose();
      await this.authChanges.stop();
      await this.dataSource.destroy();
    } catch (error) {
      // Still the last line: a shutdown that failed to close the database must say so and end.
      this.logger.error({ err: error }, 'Closing the database failed');
    } finally {
      await this.shutdown?.finished();
    }
  }
}
