import { INestApplicationContext, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ManagedDataSource } from './database-connection';

/**
 * What main.ts does when the embedded database's thread dies. Unlike a server, it cannot come
 * back by itself, so the app does not linger: queries already fail fast (503, readiness 503),
 * the app shuts down as on SIGTERM, and the process exits 1, like a start that cannot open its
 * database, for its supervisor to restart it on the same data dir.
 */
export function exitWhenEmbeddedDatabaseIsLost(
  app: INestApplicationContext,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const dataSource = app.get(DataSource);
  if (!(dataSource instanceof ManagedDataSource)) return;
  const logger = new Logger('Database');
  dataSource.onEmbeddedLost((reason) => {
    logger.error(`${reason.message}: the app cannot serve without it; shutting down (exit 1)`);
    app
      .close()
      .catch((error: unknown) => logger.error({ err: error }, 'Shutdown after the loss failed'))
      .finally(() => exit(1));
  });
}
